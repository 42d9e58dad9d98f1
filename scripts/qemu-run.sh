#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot an x86_64 or arm64 kernel under QEMU (TCG, 4 CPUs) on a busybox
# initramfs and load build/<kernel>/'s modules.
# Usage: qemu-run.sh <debian|debian61|debian-rt|debug|kcsan|rt|arm64> <scenario> [params...]
#   kernel debian: Debian's 6.12 cloud kernel of the headers' version;
#          debian61: Debian's 6.1 cloud kernel (Debian 12's default);
#          debian-rt: Debian's 6.12 PREEMPT_RT kernel;
#          debug:  scripts/configs/x86-debug.config (KASAN, lockdep, kmemleak);
#          kcsan:  scripts/configs/x86-kcsan.config;
#          rt:     scripts/configs/x86-rt.config (debug on PREEMPT_RT, with
#                  NO_HZ_FULL);
#          arm64:  scripts/configs/arm64-debug.config (the debug checks on
#                  arm64, scripts/arm64-kernel.sh), booted with
#                  qemu-system-aarch64 -M virt -cpu max (SMR_QEMU_CPU=
#                  another -cpu, e.g. cortex-a57, an ARMv8.0 CPU without
#                  LSE atomics; log build/qemu-arm64-<cpu>-<scenario>.log)
#                  on Debian's arm64 busybox-static (apt-get download, see
#                  deps.sh arm64), console on the virt board's PL011.
#   kunit:   the two KUnit passes of uml-run.sh, every *_kunit.ko (params go
#            to smr.ko), then a kmemleak scan.
#   torture: smr.ko (wrap_test=1 when WRAP=1) and smr_torture.ko with the
#            params (duration=60 unless given); wait for its final SUCCESS
#            or FAILURE line, unload both, scan for leaks with kmemleak.
#   busted:  torture with busted=1 (duration=20 unless given, busted=2
#            with hotplug_ms= for the scan that skips CPUs coming online):
#            must FAIL.
#   misuse:  smr.ko and smr_misuse.ko, unload both, scan for leaks.
#   dkms:    (debian, debian61) the modules DKMS installed for that kernel
#            (dkms.sh install), in /lib/modules/<release>/updates/dkms/
#            with a depmod'ed modules.dep: modprobe smr, then modprobe
#            smr_torture with the params (duration=20 unless given), as
#            torture, then modprobe -r both.
#   abi:     smr.ko, then smr_lookup_abi_mismatch.ko (abi-mismatch.sh),
#            which must fail to load with "Unknown symbol smr_abi_...",
#            then the matching smr_lookup.ko, which must load and unload,
#            then smr_flow.ko (the smr_shash sample), which must run its
#            load to "load done" and unload with "0 problems".
#   bench:   smr.ko and smr_bench.ko with the params, on 4G of memory and
#            with preempt=full on the kernel command line; wait for
#            "smr_bench: done" (SMR_BENCH_WAIT seconds, default 1800),
#            print its results between SMR-BENCH-BEGIN and SMR-BENCH-END,
#            unload both (common.sh: init_bench_body).
# /init reports each step as "SMR-HARNESS: <step> ok|FAILED" in the kernel
# log and ends with "SMR-HARNESS: done". The serial console is saved to
# build/qemu-<kernel>-<scenario>.log, whose path is printed; judging it is
# up to the caller (scripts/qemu-verdict.sh), even when the kernel panicked
# or QEMU timed out. SMR_QEMU_TIMEOUT overrides the time limit (seconds).
# SMR_SMR_PARAMS="..." (torture, busted) are more params for smr.ko, e.g.
# busted_sleep=1.
# Kernel command line: SMR_QEMU_CMDLINE="..." is appended to it.  Every x86
# boot has tsc=reliable: no clocksource watchdog on TCG's TSC, whose vCPUs
# the host schedules as it likes.  Without it the watchdog marks the TSC
# unstable in some runs (2 of the 7 boots of a local make test, 1 of 3
# local busted runs), and sched_clock's static key is then flipped by
# live text patching (int3 breakpoints) while every vCPU runs; a CI busted
# run on the debian kernel ended in "Oops: int3" on two CPUs at once and a
# panic, which is what a breakpoint seen after the patch ended looks like.
# An unstable sched_clock also keeps the tick running on nohz_full CPUs
# (TICK_DEP_BIT_CLOCK_UNSTABLE).
# SMR_QEMU_NOHZ=1 makes CPUs 1-3 nohz_full and isolated ("nohz_full=1-3
# isolcpus=nohz,domain,1-3"); it needs a
# CONFIG_NO_HZ_FULL kernel (rt; Debian's cloud kernel has it too), /init
# checks that the kernel took it and logs each CPU's local timer
# interrupt count at the end, and the log is build/qemu-<kernel>-nohz-
# <scenario>.log (verdict label "<kernel>-nohz").
set -euo pipefail
. "$(dirname "$0")/common.sh"

usage="usage: qemu-run.sh <debian|debian61|debian-rt|debug|kcsan|rt|arm64> <kunit|torture|busted|misuse|dkms|abi|bench> [params]"
kernel=${1:?$usage}
scenario=${2:?$usage}
shift 2
case $kernel in debian | debian61 | debian-rt | debug | kcsan | rt | arm64) ;; *) die "$usage" ;; esac
arch=$([ "$kernel" = arm64 ] && echo arm64 || echo x86_64)
cpu=${SMR_QEMU_CPU:-max}
[ "$cpu" = max ] || [ "$arch" = arm64 ] || die "SMR_QEMU_CPU=$cpu: only for the arm64 kernel"
case $scenario in kunit | torture | busted | misuse | dkms | abi | bench) ;; *) die "$usage" ;; esac
case ${SMR_QEMU_NOHZ:-0} in 0 | 1) ;; *) die "SMR_QEMU_NOHZ: want 0 or 1" ;; esac
nohz=${SMR_QEMU_NOHZ:-0}
# SMR_QEMU_SMP: QEMU's -smp (default 4), e.g. 16.  (-smp 4,maxcpus=N
# gives Linux 6.12 no hotplug CPUs under TCG: it counts QEMU's disabled
# MADT entries only when it detects a hypervisor, and TCG is none.)
# SMR_QEMU_ONLINE=N: /init offlines CPUs N and up before anything else,
# so N CPUs are online of SMR_QEMU_SMP possible, as on cloud VMs.
# With other than 4 vCPUs the log is build/qemu-<kernel>-smpN-<scenario>.log.
smp_arg=${SMR_QEMU_SMP:-4}
smp=${smp_arg%%,*}
[[ $smp =~ ^[0-9]+$ ]] && [ "$smp" -ge 1 ] || die "SMR_QEMU_SMP=$smp_arg: want N or N,maxcpus=M"
online=${SMR_QEMU_ONLINE:-}
[ -z "$online" ] || { [[ $online =~ ^[0-9]+$ ]] && [ "$online" -ge 1 ] && [ "$online" -le "$smp" ]; } ||
	die "SMR_QEMU_ONLINE=$online: want 1 to $smp"
# The nohz_full (and isolated) CPUs: all but CPU 0, which keeps the tick.
nohz_cpus=1-$((smp - 1))
label=$kernel$([ "$cpu" = max ] || echo "-$cpu")$([ "$nohz" = 0 ] || echo -nohz)$([ "$smp_arg" = 4 ] || echo "-smp$smp")
console=$SMR_BUILD/qemu-$label-$scenario.log
work=$SMR_BUILD/qemu-$label-$scenario.d

# gen_init_cpio from the kernel sources: builds initramfs archives from a
# file list, device nodes included, without root or a staging tree.
gen_init_cpio() {
	local tool
	tool=$SMR_CACHE/gen_init_cpio-$(src_version)
	if [ ! -x "$tool" ]; then
		gcc -O2 -o "$tool.tmp" "$(kernel_source)/usr/gen_init_cpio.c"
		mv "$tool.tmp" "$tool"
	fi
	"$tool" "$@"
}

# Debian's arm64 busybox-static, downloaded (apt-get download, as a
# foreign-architecture package: deps.sh arm64 makes apt know it) and
# unpacked once per version into the cache; prints the binary's path.
arm64_busybox() {
	local bb_ver dir tmp
	bb_ver=$(apt-cache policy busybox-static:arm64 | sed -n 's/^ *Candidate: //p')
	if [ -z "$bb_ver" ] || [ "$bb_ver" = "(none)" ]; then
		die "apt knows no busybox-static:arm64; run scripts/deps.sh arm64"
	fi
	dir=$SMR_CACHE/busybox-arm64-$bb_ver
	if [ ! -x "$dir/busybox" ]; then
		log "downloading busybox-static:arm64 $bb_ver into $dir"
		tmp=$(mktemp -d)
		# apt-get download fetches as the _apt user where it can write.
		chmod 0777 "$tmp"
		(cd "$tmp" && apt-get download -qq "busybox-static:arm64=$bb_ver") >&2
		dpkg-deb -x "$tmp"/busybox-static_*_arm64.deb "$tmp/x"
		mkdir -p "$dir"
		cp "$tmp/x/bin/busybox" "$dir/busybox.tmp"
		mv "$dir/busybox.tmp" "$dir/busybox"
		rm -rf "$tmp"
	fi
	echo "$dir/busybox"
}

# The busybox part of the initramfs, as a gen_init_cpio list. The host's
# busybox lists its applets; an arm64 one cannot run here, so it gets
# /bin/sh only and /init installs the other links (init_header).
base_list() {
	local d applet
	for d in /dev /bin /proc /sys /tmp /lib /lib/smr; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /bin/busybox $bb 0755 0 0"
	if [ "$arch" = arm64 ]; then
		echo "slink /bin/sh busybox 0777 0 0"
		return
	fi
	for applet in $(/bin/busybox --list | grep -vx busybox); do
		echo "slink /bin/$applet busybox 0777 0 0"
	done
}

# Busybox initramfs (cpio.gz), built once per busybox version and list.
base_initramfs() {
	local ver hash out
	if [ "$arch" = arm64 ]; then
		bb=$(arm64_busybox)
		ver=arm64-$(basename "$(dirname "$bb")")
		ver=${ver/-busybox-arm64-/-}
	else
		bb=/bin/busybox
		ver=$(dpkg-query -W -f='${Version}' busybox-static)
	fi
	hash=$(base_list | sha256sum | cut -c1-12)
	out=$SMR_CACHE/initramfs-busybox-$ver-$hash.cpio.gz
	if [ ! -f "$out" ]; then
		log "building busybox initramfs $out"
		base_list >"$work/base.list"
		gen_init_cpio "$work/base.list" | gzip -9 >"$out.tmp"
		mv "$out.tmp" "$out"
	fi
	echo "$out"
}

# Helpers of every /init: mount, mark steps, wait for a kernel log line,
# scan for leaks.
init_header() {
	echo '#!/bin/sh'
	[ "$arch" != arm64 ] || echo '/bin/busybox --install -s /bin'
	cat <<'SH'
export PATH=/bin
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mark() { echo "SMR-HARNESS: $*" > /dev/kmsg; }
step() {  # step <name> <cmd...>: marks "<name> ok" or "<name> FAILED"
	name=$1; shift
	"$@"
	rc=$?
	if [ $rc = 0 ]; then mark "$name ok"; else mark "$name FAILED (rc $rc)"; fi
	return $rc
}
wait_log() {  # wait_log <extended regex> <seconds>
	i=0
	while [ $i -lt "$2" ]; do
		dmesg | grep -qE "$1" && return 0
		sleep 1
		i=$((i + 1))
	done
	return 1
}
kmemleak=/sys/kernel/debug/kmemleak
# After the modules are gone: scan, and print every report that mentions
# smr or points into unloaded module text (a bare 0xffff... frame: smr's
# symbols are gone) to the console, where the verdict fails on it. Other
# reports (the kernel's own, from boot) are only counted.
leak_check() {
	[ -e $kmemleak ] || { mark "kmemleak: not in this kernel"; return 0; }
	# A new object is reported by the second scan that finds it
	# unreferenced, unchanged and older than 5 s; one scan takes longer.
	echo scan > $kmemleak && echo scan > $kmemleak || return 1
	cat $kmemleak > /tmp/leaks
	awk '/^unreferenced object/ { if (b != "" && ours) printf "%s", b; b = ""; ours = 0 }
	     { b = b $0 "\n" }
	     /smr|^ *0xffff[0-9a-f]+$/ { ours = 1 }
	     END { if (b != "" && ours) printf "%s", b }' /tmp/leaks > /tmp/ours
	while IFS= read -r line; do echo "kmemleak: $line" > /dev/kmsg; done < /tmp/ours
	mark "kmemleak: $(grep -c '^unreferenced object' /tmp/leaks) report(s), $(grep -c '^unreferenced object' /tmp/ours) about smr"
	! grep -q '^unreferenced object' /tmp/ours
}
finish() { nohz_report; mark done; sync; reboot -f; }
mark "init started, kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs, uptime $(cut -d' ' -f1 /proc/uptime) s"
mark "cmdline: $(cat /proc/cmdline)"
SH
	if [ -n "$online" ]; then
		printf "online=%s\n" "$online"
		cat <<'SH'
# SMR_QEMU_ONLINE: offline every CPU from $online up; they stay possible.
for c in /sys/devices/system/cpu/cpu[0-9]*; do
	[ "${c##*cpu}" -lt "$online" ] || echo 0 > $c/online
done
mark "cpus: online $(cat /sys/devices/system/cpu/online), possible $(cat /sys/devices/system/cpu/possible)"
SH
	fi
	echo "mark 'kernel config: $(config_summary)'"
	if [ "$nohz" = 0 ]; then
		echo 'nohz_report() { :; }'
		return
	fi
	printf "nohz_cpus='%s'\n" "$nohz_cpus"
	cat <<'SH'
cpu_sys=/sys/devices/system/cpu
step "nohz_full $nohz_cpus" test "$(cat $cpu_sys/nohz_full)" = "$nohz_cpus"
step "isolated $nohz_cpus" test "$(cat $cpu_sys/isolated)" = "$nohz_cpus"
# Local timer interrupts per CPU: the isolated CPUs' counts stay far
# below CPU 0's when their tick really stops.
nohz_report() {
	mark "nohz: $(grep -E '^ *LOC:' /proc/interrupts | tr -s ' ')"
}
nohz_report
SH
}

init_kunit() {
	init_header
	printf "params='%s'\n" "$*"
	init_kunit_passes "$(kunit_modules "$kernel")"
	cat <<'SH'
step "kmemleak" leak_check
finish
SH
}

# torture and busted: $1 is the seconds to wait for the final line.
init_torture() {
	local limit=$1
	shift
	init_header
	printf "smr_params='%s'\nparams='%s'\nlimit=%s\n" \
		"$([ "${WRAP:-0}" = 0 ] || echo wrap_test=1)${SMR_SMR_PARAMS:+ $SMR_SMR_PARAMS}" \
		"$*" "$limit"
	cat <<'SH'
mark "torture begin, smr params: $smr_params, torture params: $params"
step "insmod smr" insmod /lib/smr/smr.ko $smr_params
step "insmod smr_torture" insmod /lib/smr/smr_torture.ko $params &&
	step "torture finished" wait_log 'smr_torture: (SUCCESS|FAILURE)' $limit
step "rmmod smr_torture" rmmod smr_torture
step "rmmod smr" rmmod smr
step "debugfs smr gone" test ! -e /sys/kernel/debug/smr
step "kmemleak" leak_check
mark "torture end"
finish
SH
}

init_misuse() {
	init_header
	printf "params='%s'\n" "$*"
	cat <<'SH'
mark "misuse begin"
step "insmod smr" insmod /lib/smr/smr.ko
step "insmod smr_misuse" insmod /lib/smr/smr_misuse.ko $params
step "rmmod smr_misuse" rmmod smr_misuse
step "rmmod smr" rmmod smr
step "debugfs smr gone" test ! -e /sys/kernel/debug/smr
step "kmemleak" leak_check
mark "misuse end"
finish
SH
}

# dkms: $1 is the seconds to wait for the final line.
init_dkms() {
	local limit=$1
	shift
	init_header
	printf "params='%s'\nlimit=%s\n" "$*" "$limit"
	cat <<'SH'
mark "torture begin, smr params: (dkms), torture params: $params"
mark "dkms modules: $(cd /lib/modules/$(uname -r) && echo updates/dkms/*)"
step "modprobe smr" modprobe smr
step "modprobe smr_torture" modprobe smr_torture $params &&
	step "torture finished" wait_log 'smr_torture: (SUCCESS|FAILURE)' $limit
step "modprobe -r smr_torture" modprobe -r smr_torture
step "modprobe -r smr" modprobe -r smr
step "debugfs smr gone" test ! -e /sys/kernel/debug/smr
mark "torture end"
finish
SH
}

# The module tree DKMS installed for the kernel booted, as gen_init_cpio
# lines, with a modules.dep of its own (depmod -b on a copy).
dkms_tree() {
	local kver=$1 root=$work/modroot f
	local dir=/lib/modules/$kver/updates/dkms
	ls "$dir"/smr.ko* >/dev/null 2>&1 ||
		die "no DKMS-installed smr in $dir; run scripts/dkms.sh install $kver"
	mkdir -p "$root$dir"
	cp "$dir"/smr.ko* "$dir"/smr_torture.ko* "$root$dir/"
	depmod -b "$root" "$kver"
	for f in /lib/modules /lib/modules/$kver /lib/modules/$kver/updates "$dir"; do
		echo "dir $f 0755 0 0"
	done
	for f in "$root/lib/modules/$kver"/modules.* "$root$dir"/*; do
		echo "file ${f#"$root"} $f 0644 0 0"
	done
}

# The abi scenario's two builds of the sample, as gen_init_cpio lines:
# the matching one and abi-mismatch.sh's; and the smr_shash sample.
abi_files() {
	local good=$SMR_BUILD/$kernel/samples/smr_lookup/smr_lookup.ko
	local bad=$SMR_BUILD/$kernel-abi/samples/smr_lookup/smr_lookup.ko
	local flow=$SMR_BUILD/$kernel/samples/smr_flow/smr_flow.ko
	[ -f "$good" ] || die "no $good; run scripts/build-modules.sh $kernel first"
	[ -f "$bad" ] || die "no $bad; run scripts/abi-mismatch.sh $kernel first"
	[ -f "$flow" ] || die "no $flow; run scripts/build-modules.sh $kernel first"
	echo "file /lib/smr/smr_lookup.ko $good 0644 0 0"
	echo "file /lib/smr/smr_lookup_abi_mismatch.ko $bad 0644 0 0"
	echo "file /lib/smr/smr_flow.ko $flow 0644 0 0"
}

# abi: a consumer built against another layout of smr.h must be refused.
init_abi() {
	init_header
	cat <<'SH'
mark "abi begin"
step "insmod smr" insmod /lib/smr/smr.ko
if insmod /lib/smr/smr_lookup_abi_mismatch.ko 2>/dev/null; then
	mark "abi: mismatched smr_lookup refused FAILED (it loaded)"
	rmmod smr_lookup
else
	mark "abi: mismatched smr_lookup refused ok"
fi
step "abi: unknown symbol named" sh -c 'dmesg | grep -q "smr_lookup: Unknown symbol smr_abi_"'
step "insmod smr_lookup" insmod /lib/smr/smr_lookup.ko duration_ms=200
step "rmmod smr_lookup" rmmod smr_lookup
# The smr_shash sample: its table grows from 16 buckets while it runs.
step "insmod smr_flow" insmod /lib/smr/smr_flow.ko duration_ms=300
step "smr_flow load done" wait_log 'smr_flow: load done' 60
step "rmmod smr_flow" rmmod smr_flow
step "smr_flow unloaded" wait_log 'smr_flow: unloaded: .*, 0 problems' 5
step "rmmod smr" rmmod smr
step "debugfs smr gone" test ! -e /sys/kernel/debug/smr
mark "abi end"
finish
SH
}

init_bench() {
	init_header
	init_bench_body "$@"
	echo finish
}

# Value of <name>=V among the params, or the default.
param() {
	local name=$1 def=$2 p
	shift 2
	for p in "$@"; do
		case $p in "$name="*) def=${p#*=} ;; esac
	done
	echo "$def"
}

# Set image and config: the kernel to boot and its .config.
kernel_image() {
	local dir
	case $kernel in
	debian) image=$(debian_vmlinuz) ;;
	debian61) image=$(debian_vmlinuz 61) ;;
	debian-rt) image=$(debian_vmlinuz RT) ;;
	arm64)
		dir=$("$SMR_ROOT/scripts/arm64-kernel.sh" debug)
		image=$dir/arch/arm64/boot/Image
		config=$dir/.config
		return
		;;
	*)
		dir=$("$SMR_ROOT/scripts/x86-kernel.sh" "$kernel")
		image=$dir/arch/x86/boot/bzImage
		config=$dir/.config
		return
		;;
	esac
	config=$(dirname "$image")/config
}

# The debugging options of the kernel, for the log and the verdict, e.g.
# "KASAN=y KCSAN=n ...".
config_summary() {
	local opt v s=
	for opt in KASAN KCSAN DEBUG_KMEMLEAK PROVE_LOCKING DEBUG_ATOMIC_SLEEP \
		KUNIT PREEMPT PREEMPT_RT NO_HZ_FULL HOTPLUG_CPU; do
		v=$(sed -n "s/^CONFIG_$opt=//p" "$config")
		s+="$opt=${v:-n} "
	done
	echo "${s% }"
}

kernel_image
rm -rf "$work"
mkdir -p "$work"
base=$(base_initramfs)

# Per scenario: the modules, the /init and the time limit (boot included;
# the debug kernels boot slowly under TCG).
boot=$([[ $kernel = debian* ]] && echo 120 || echo 240)
mem=2G
append=
case $scenario in
kunit)
	modules=(smr.ko)
	for m in $(kunit_modules "$kernel"); do modules+=("$m.ko"); done
	init_kunit "$@" >"$work/init"
	limit=$((boot + 600))
	# arm64 under TCG is slower: with -cpu max, smr_cache_kunit's free
	# flood ran 111 s against 40 s on the x86 debug kernel, and
	# smr_call_flood_is_bounded hit KUnit's 300 s case timeout.
	[ "$arch" != arm64 ] || limit=$((boot + 2400))
	;;
torture | busted)
	modules=(smr.ko smr_torture.ko)
	duration=$(param duration "" "$@")
	if [ -z "$duration" ]; then
		duration=$([ "$scenario" = busted ] && echo 20 || echo 60)
		set -- "$@" "duration=$duration"
	fi
	[ "$scenario" = torture ] || [ -n "$(param busted "" "$@")" ] ||
		set -- "$@" busted=1
	# The final line comes after duration s of jiffies; stopping the
	# threads takes some more, and a starved TCG guest can lose ticks.
	wait=$((duration * 3 / 2 + 120))
	init_torture "$wait" "$@" >"$work/init"
	limit=$((boot + wait + 120))
	;;
misuse)
	modules=(smr.ko smr_misuse.ko)
	init_misuse "$@" >"$work/init"
	limit=$((boot + 300))
	;;
dkms)
	modules=()
	case $kernel in debian | debian61) ;; *) die "dkms: want the debian or debian61 kernel" ;; esac
	duration=$(param duration "" "$@")
	[ -n "$duration" ] || set -- "$@" duration=20
	wait=$(($(param duration 20 "$@") * 3 / 2 + 120))
	init_dkms "$wait" "$@" >"$work/init"
	limit=$((boot + wait + 120))
	;;
abi)
	modules=(smr.ko)
	init_abi >"$work/init"
	limit=$((boot + 120))
	;;
bench)
	modules=(smr.ko smr_bench.ko)
	wait=${SMR_BENCH_WAIT:-1800}
	init_bench "$wait" "$@" >"$work/init"
	limit=$((boot + wait + 120))
	# The flood test allocates; full preemption makes RCU's readers
	# preemptible as on the UML bench kernel.
	mem=4G
	append=" preempt=full"
	;;
esac
limit=${SMR_QEMU_TIMEOUT:-$limit}
if [ "$nohz" = 1 ]; then
	grep -qx CONFIG_NO_HZ_FULL=y "$config" ||
		die "SMR_QEMU_NOHZ=1 needs a CONFIG_NO_HZ_FULL kernel (rt or debian), not $kernel"
	append+=" nohz_full=$nohz_cpus isolcpus=nohz,domain,$nohz_cpus"
fi
append+=${SMR_QEMU_CMDLINE:+ $SMR_QEMU_CMDLINE}

for ko in ${modules[@]+"${modules[@]}"}; do
	[ -f "$SMR_BUILD/$kernel/$ko" ] ||
		die "no build/$kernel/$ko; run scripts/build-modules.sh $kernel first"
done
{
	echo "file /init $work/init 0755 0 0"
	for ko in ${modules[@]+"${modules[@]}"}; do
		echo "file /lib/smr/$ko $SMR_BUILD/$kernel/$ko 0644 0 0"
	done
	[ "$scenario" != abi ] || abi_files
	[ "$scenario" != dkms ] || dkms_tree "$(debian_kver "$([ "$kernel" = debian61 ] && echo 61)")"
} >"$work/run.list"
gen_init_cpio "$work/run.list" | gzip >"$work/run.cpio.gz"
# The kernel unpacks concatenated archives in order.
cat "$base" "$work/run.cpio.gz" >"$work/initramfs.cpio.gz"

# TCG (nested KVM does not work here); -no-reboot and panic=-1 make both
# /init's final reboot and a panic end QEMU.  The machine: x86_64 with
# qboot, or arm64's virt board (GICv2, PSCI for CPU hotplug, a PL011
# UART) with the given -cpu.  -cpu max (LSE atomics, pointer
# authentication, SVE, ...) gets QEMU's IMPLEMENTATION DEFINED pointer
# authentication algorithm: with the architected QARMA5, which TCG
# computes in software at every signed return, the debug kernel reached
# the PL011 probe after 47 s of guest uptime instead of 5.6 s on
# cortex-a57, and its boot-time stop_machine() soft-locked all 4 CPUs.
if [ "$arch" = arm64 ]; then
	machine=(qemu-system-aarch64 -M virt
		-cpu "$cpu$([ "$cpu" != max ] || echo ,pauth-impdef=on)")
	cmdline="console=ttyAMA0 panic=-1 printk.devkmsg=on$append"
else
	machine=(qemu-system-x86_64 -bios qboot.rom)
	cmdline="console=ttyS0 panic=-1 printk.devkmsg=on tsc=reliable$append"
fi
boot_qemu() {
	rm -f "$console"
	rc=0
	t=$SECONDS
	timeout -k 10 "$limit" "${machine[@]}" \
		-accel tcg,thread=multi -smp "$smp_arg" -m "$mem" \
		-display none -monitor none -no-reboot \
		-serial "file:$console" \
		-kernel "$image" -initrd "$work/initramfs.cpio.gz" \
		-append "$cmdline" \
		</dev/null >"$work/qemu.out" 2>&1 || rc=$?
	# The serial console ends lines with CRLF.
	[ ! -f "$console" ] || sed -i 's/\r$//' "$console"
	log "QEMU ran $((SECONDS - t))s$(
		grep -o 'SMR-HARNESS: init started.*uptime [0-9.]* s' "$console" |
			sed 's/.*uptime \(.*\)/, \/init after \1 of guest uptime/')"
}

# A guest that died of a stray int3 before /init started, when none of
# smr ran yet: the late initcall that marks sched_clock stable flips a
# static key by live text patching while every vCPU runs, and TCG's
# multi-threaded mode now and then lets a vCPU execute the breakpoint
# after the patch ended ("Oops: int3" in sched_clock_cpu, seen here in
# the first of two boots with -smp 64).  Boot once more, once.
died_in_boot_patching() {
	! grep -q 'SMR-HARNESS: init started' "$console" &&
		grep -q 'Oops: int3' "$console"
}

log "booting $kernel kernel under QEMU ($scenario, limit ${limit}s${append:+, cmdline +$append}), console in $console"
boot_qemu
if died_in_boot_patching; then
	cp "$console" "$console.boot-oops"
	log "the guest died of a stray int3 in boot's text patching, before /init (saved as $console.boot-oops); booting once more"
	boot_qemu
fi
# A panic or timeout is a test result, not a harness error: show the end
# of the log and leave the verdict to the caller.
if [ "$rc" != 0 ]; then
	cat "$work/qemu.out" >&2
	tail -n 30 "$console" >&2
	log "QEMU exited with status $rc$([ "$rc" != 124 ] || echo ' (timeout)')"
fi
echo "$console"
