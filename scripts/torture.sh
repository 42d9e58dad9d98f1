#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make torture`: one long smr_torture run under QEMU (4 CPUs, TCG). Builds
# what it needs (kernel, modules), boots, and prints the final torture
# line and the verdict (qemu-verdict.sh); fails when the verdict does.
# Settings, from the environment (make passes its variables):
#   KERNEL=debug|debian|debian61|debian-rt|kcsan|rt
#                              the kernel (default debug; debian61 is
#                              Debian's 6.1 cloud kernel, debian-rt its
#                              6.12 PREEMPT_RT one; kcsan and rt
#                              are built on first use, about as long as
#                              debug; rt is the debug kernel on PREEMPT_RT)
#   ARCH=arm64                 (make torture ARCH=arm64) the arm64 debug
#                              kernel instead (KERNEL=arm64 is the same;
#                              no other KERNEL with it), cross-built on
#                              first use; SMR_QEMU_CPU=cortex-a57 boots it
#                              on a CPU without LSE atomics
#   DURATION=1800   seconds            HOTPLUG=200  hotplug_ms (0: none)
#   FLAVOUR=default|lazy|deferred      WRAP=0|1     smr.ko wrap_test
#   NWRITERS=1      NREADERS=0 (one per CPU)        BUSTED=0|1
#   SMP=4           vCPUs (qemu-run.sh's SMR_QEMU_SMP); above 8 only on
#                   KERNEL=debian* (the built kernels have NR_CPUS=8)
#   NOHZ=0|1        1: CPUs 1-3 nohz_full and isolated (qemu-run.sh's
#                   SMR_QEMU_NOHZ; needs CONFIG_NO_HZ_FULL: KERNEL=rt or
#                   debian)
# SMR_QEMU_CMDLINE, if set, is appended to the kernel command line.
# Extra smr_torture params may follow on the command line.
set -euo pipefail
. "$(dirname "$0")/common.sh"

kernel=${KERNEL:-debug}
case ${ARCH:-} in
"" | x86 | x86_64) ;;
arm64)
	[ -z "${KERNEL:-}" ] || [ "$KERNEL" = arm64 ] ||
		die "ARCH=arm64: KERNEL=$KERNEL is an x86 kernel; leave KERNEL unset"
	kernel=arm64
	;;
*) die "ARCH=$ARCH: want arm64 (or none, x86_64)" ;;
esac
scenario=torture
params=(duration="${DURATION:-1800}" hotplug_ms="${HOTPLUG:-200}"
	flavour="${FLAVOUR:-default}" nwriters="${NWRITERS:-1}"
	nreaders="${NREADERS:-0}")
case $kernel in debian | debian61 | debian-rt | debug | kcsan | rt | arm64) ;;
*) die "KERNEL=$kernel: want debug, debian, debian61, debian-rt, kcsan, rt or arm64" ;;
esac
case ${WRAP:-0} in 0 | 1) ;; *) die "WRAP=$WRAP: want 0 or 1" ;; esac
case ${NOHZ:-0} in 0 | 1) ;; *) die "NOHZ=$NOHZ: want 0 or 1" ;; esac
export WRAP=${WRAP:-0}
export SMR_QEMU_NOHZ=${NOHZ:-0}
export SMR_QEMU_SMP=${SMP:-4}
[[ $SMR_QEMU_SMP =~ ^[0-9]+$ ]] || die "SMP=$SMR_QEMU_SMP: want a number"
if [ "$SMR_QEMU_SMP" -gt 8 ] && [[ $kernel != debian* ]]; then
	die "SMP=$SMR_QEMU_SMP: the $kernel kernel has NR_CPUS=8; use KERNEL=debian (or debian61, debian-rt)"
fi
[ "${BUSTED:-0}" = 0 ] || scenario=busted

cd "$SMR_ROOT/scripts"
if [ "$kernel" = arm64 ]; then
	./deps.sh arm64 >/dev/null
	./arm64-kernel.sh debug >/dev/null
else
	./deps.sh >/dev/null
	[[ $kernel = debian* ]] || ./x86-kernel.sh "$kernel" >/dev/null
fi
./build-modules.sh "$kernel" >/dev/null
log "$kernel $scenario: ${params[*]} WRAP=$WRAP NOHZ=$SMR_QEMU_NOHZ SMP=$SMR_QEMU_SMP $*"
console=$(./qemu-run.sh "$kernel" "$scenario" "${params[@]}" "$@")
grep -E 'smr_torture: (SUCCESS|FAILURE) ' "$console" || true
exec ./qemu-verdict.sh "$scenario" "$console"
