#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole pipeline behind `make test` and CI, stopping at the first
# failing stage:
#   deps, check       packages (deps.sh); checkpatch, sparse, kernel-doc
#   debian build      W=1 build against Debian's 6.12 cloud headers
#   debian 6.1 build  W=1 build against Debian's 6.1 cloud headers
#   debian-rt build   W=1 build against Debian's 6.12 PREEMPT_RT headers
#   readme recipe     README.md's consumer recipe, run as written against
#                     Debian's 6.12 headers (readme-recipe.sh)
#   dkms install      dkms.sh install for Debian's 6.12 and 6.1 cloud
#                     kernels, the installed files where README.md says,
#                     the sample built against them (dkms-test.sh)
#   abi mismatch      the sample built against a copy of smr.h with another
#                     struct smr layout: modpost must name smr_abi_<hash>
#                     (abi-mismatch.sh, just before the abi QEMU run,
#                     as build-modules.sh starts build/debian afresh)
#   uml               UML KUnit kernel (cached), W=1 build, two KUnit
#                     passes, verdict (uml-run.sh, kunit-verdict.sh)
#   debian qemu       Debian's cloud kernel under QEMU (4 CPUs): a
#                     smr_bench smoke run with tiny params (it must
#                     finish, with no kernel report, and its report must
#                     render: bench.sh; Debian's kernel needs no build,
#                     the UML bench kernel would cost 3 minutes cold),
#                     torture with CPU hotplug, then busted (must FAIL;
#                     busted=2 too: scans that skip CPUs coming online),
#                     then abi: the mismatched sample refused, the
#                     matching one loaded; then, on 6.12 and 6.1, the
#                     DKMS-installed tree: modprobe smr, a torture;
#                     then torture with hotplug on 16 vCPUs
#   debian61 qemu     Debian's 6.1 cloud kernel (Debian 12's default):
#                     torture with CPU hotplug, busted, misuse
#   debian-rt qemu    Debian's 6.12 PREEMPT_RT kernel: torture with CPU
#                     hotplug, busted
#   debug qemu        the x86 debug kernel (KASAN, lockdep, kmemleak;
#                     cached): W=1 build, two KUnit passes on 4 CPUs,
#                     torture with CPU hotplug (default flavour, then
#                     sleepable with wrap_test and memory pressure, then
#                     deferred), busted, misuse
#   rt qemu           the same on the x86 PREEMPT_RT debug kernel (cached),
#                     then its first KUnit pass once more with CPUs 1-3
#                     nohz_full and isolated (qemu-run.sh SMR_QEMU_NOHZ=1)
# Each QEMU run is judged by qemu-verdict.sh. The one-line verdicts come
# last, then "N passed, N failed": KUnit cases over all seven KUnit passes
# (UML, debug and rt twice each, rt-nohz once).
# SMR_TORTURE_S, SMR_FLAVOUR_S, SMR_KERNELS_S and SMR_BUSTED_S change the
# durations of the default torture, the other flavours' tortures, the
# tortures on Debian's 6.1 and RT kernels, and busted.
# ARCH=arm64 (make test ARCH=arm64) runs the arm64 stages instead, and
# only them:
#   deps arm64        deps.sh arm64 (cross compiler, qemu-system-aarch64,
#                     the arm64 dpkg architecture for busybox-static:arm64)
#   arm64 kernel      the arm64 debug kernel (cached; arm64-kernel.sh)
#   arm64 sparse      sparse C=2 on the cross-build (check.sh --sparse)
#   arm64 build       W=1 cross-build (build-modules.sh arm64)
#   arm64 qemu        under qemu-system-aarch64 -M virt -cpu max, 4 CPUs:
#                     two KUnit passes, torture with CPU hotplug, busted;
#                     then torture with hotplug on -cpu cortex-a57 (no LSE:
#                     the kernel's LL/SC atomics)
set -euo pipefail
. "$(dirname "$0")/common.sh"

case ${ARCH:-} in
"" | x86 | x86_64) arm64= ;;
arm64) arm64=1 ;;
*) die "ARCH=$ARCH: want arm64 (or none, x86_64)" ;;
esac

cd "$SMR_ROOT/scripts"
start=$SECONDS
torture_s=${SMR_TORTURE_S:-60}
busted_s=${SMR_BUSTED_S:-20}
flavour_s=${SMR_FLAVOUR_S:-30}
kernels_s=${SMR_KERNELS_S:-30}
summaries=()
verdict=
kunit_passed=0
kunit_failed=0

# stage <name> <cmd...>: run one stage, report its time, stop on failure.
stage() {
	local name=$1 t=$SECONDS
	shift
	log "== $name"
	"$@" || die "stage '$name' failed after $((SECONDS - t))s; stopping"
	log "== $name: ok in $((SECONDS - t))s"
}

# judge <name> <verdict cmd...>: a verdict stage; its output goes to
# stderr, its last line (the one-line summary) into $verdict.
judge() {
	local name=$1 out=$SMR_BUILD/verdict-${1// /-}.txt rc=0
	shift
	log "== $name verdict"
	"$@" >"$out" || rc=$?
	cat "$out" >&2
	verdict=$(tail -n 1 "$out")
	[ "$rc" = 0 ] || die "stage '$name verdict' failed: $verdict; stopping"
}

# kunit_judge <name> <log> [--smp]: judge a KUnit run, add up its counts.
kunit_judge() {
	local name=$1 console=$2
	shift 2
	judge "$name" ./kunit-verdict.sh "$@" "$console"
	[[ $verdict =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]] ||
		die "no KUnit counts from '$name'"
	kunit_passed=$((kunit_passed + BASH_REMATCH[1]))
	kunit_failed=$((kunit_failed + BASH_REMATCH[2]))
	summaries+=("$name: PASS ($verdict)")
}

# qemu [--nohz] [--smp N] [--cpu C] <kernel> <scenario> [params]: one QEMU
# run and its verdict; --nohz: CPUs 1-3 nohz_full (label and log
# "<kernel>-nohz"); --smp N: N vCPUs instead of 4 (label and log
# "<kernel>-smpN"); --cpu C: arm64's -cpu C instead of max (label and log
# "<kernel>-C").
qemu() {
	local nohz=0 smp=4 cpu=max label kernel scenario console
	while :; do
		case $1 in
		--nohz) nohz=1 ;;
		--smp) smp=$2 && shift ;;
		--cpu) cpu=$2 && shift ;;
		*) break ;;
		esac
		shift
	done
	kernel=$1 scenario=$2
	label=$kernel$([ "$cpu" = max ] || echo "-$cpu")$([ "$nohz" = 0 ] || echo -nohz)$([ "$smp" = 4 ] || echo "-smp$smp")
	console=$SMR_BUILD/qemu-$label-$scenario.log
	stage "$label $scenario run" env SMR_QEMU_NOHZ=$nohz SMR_QEMU_SMP="$smp" \
		SMR_QEMU_CPU="$cpu" ./qemu-run.sh "$@" >/dev/null
	if [ "$scenario" = kunit ]; then
		kunit_judge "$label kunit" "$console" --smp
	else
		judge "$label $scenario" ./qemu-verdict.sh "$scenario" "$console"
		summaries+=("$verdict")
	fi
}

# summary: the one-line verdicts, then the KUnit counts.
summary() {
	log "== all stages passed in $((SECONDS - start))s"
	printf '%s\n' "${summaries[@]}"
	echo "$kunit_passed passed, $kunit_failed failed"
}

if [ -n "$arm64" ]; then
	stage "deps arm64" ./deps.sh arm64 >/dev/null
	stage "arm64 kernel" ./arm64-kernel.sh debug >/dev/null
	stage "arm64 sparse" ./check.sh --sparse arm64
	stage "arm64 build" ./build-modules.sh arm64 >/dev/null
	qemu arm64 kunit
	qemu arm64 torture duration="$torture_s" hotplug_ms=200
	qemu arm64 busted duration="$busted_s"
	qemu --cpu cortex-a57 arm64 torture duration="$kernels_s" hotplug_ms=200
	summary
	exit 0
fi

stage deps ./deps.sh >/dev/null
stage check ./check.sh
stage "debian build" ./build-modules.sh debian >/dev/null
stage "debian 6.1 build" ./build-modules.sh debian61 >/dev/null
stage "debian-rt build" ./build-modules.sh debian-rt >/dev/null
stage "readme recipe" ./readme-recipe.sh
stage "dkms install" ./dkms-test.sh
stage "uml kernel" ./uml-kernel.sh >/dev/null
stage "uml build" ./build-modules.sh uml >/dev/null
stage "uml run" ./uml-run.sh kunit >/dev/null
kunit_judge "uml kunit" "$SMR_BUILD/uml-kunit.log"
stage "debian bench smoke" env BENCH_QUICK=1 ./bench.sh debian >/dev/null
summaries+=("debian bench smoke: PASS (smr_bench done, report in build/bench/)")
qemu debian torture duration="$torture_s" hotplug_ms=200
qemu debian busted duration="$busted_s"
# Scans that skip CPUs coming online (busted=2): hotplug must catch it.
qemu debian busted duration="$busted_s" busted=2 hotplug_ms=100
stage "abi mismatch build" ./abi-mismatch.sh debian
qemu debian abi
qemu debian dkms hotplug_ms=200
qemu debian61 dkms hotplug_ms=200
# A bigger machine: 16 vCPUs, every scan and barrier over 16 CPUs while
# CPUs come and go (TCG time-slices them on the host's cores).
qemu --smp 16 debian torture duration="$kernels_s" hotplug_ms=200
# The other kernels Debian 12 users run: its default 6.1, and 6.12 RT.
qemu debian61 torture duration="$kernels_s" hotplug_ms=200
qemu debian61 busted duration="$busted_s"
# 6.1 runs no softirq on a CPU whose task spins while ksoftirqd is
# runnable: its own tick cannot report a stalled reader (smr_misuse.c).
qemu debian61 misuse tick_stall=0
qemu debian-rt torture duration="$kernels_s" hotplug_ms=200
qemu debian-rt busted duration="$busted_s"
stage "debug kernel" ./x86-kernel.sh debug >/dev/null
stage "debug build" ./build-modules.sh debug >/dev/null
qemu debug kunit
qemu debug torture duration="$torture_s" hotplug_ms=200
# The rare paths of the other flavours: sleepable readers that shrink and
# allocate inside their sections, across the wrap_test clock; a quiet
# deferred domain whose callbacks and cache batches must still complete.
WRAP=1 qemu debug torture duration="$flavour_s" hotplug_ms=200 \
	flavour=sleepable pressure=1
qemu debug torture duration="$flavour_s" hotplug_ms=200 flavour=deferred
qemu debug busted duration="$busted_s"
qemu debug misuse
stage "rt kernel" ./x86-kernel.sh rt >/dev/null
stage "rt build" ./build-modules.sh rt >/dev/null
qemu rt kunit
qemu rt torture duration="$torture_s" hotplug_ms=200
qemu rt busted duration="$busted_s"
qemu rt misuse
# The tickless pass runs the normal clock only (wrap_test is covered above).
SMR_KUNIT_PASSES=1 qemu --nohz rt kunit

summary
