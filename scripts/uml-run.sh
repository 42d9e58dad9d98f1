#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the UML kernel on a busybox hostfs root and load build/uml's modules
# (build/uml-bench's on the bench kernel for bench).
# Usage: uml-run.sh [kunit|demo|bench] [module params...]
#   kunit (default): two passes of insmod smr, then insmod and rmmod of
#          each KUnit module (*_kunit.ko; KUnit runs and prints KTAP),
#          rmmod smr, then check that /sys/kernel/debug/smr is gone; pass 2
#          loads smr with wrap_test=1 (common.sh: init_kunit_passes). The
#          params go to smr.ko.
#   demo:  insmod smr, insmod smr_demo (the params go to it), wait for its
#          load to finish, print the debugfs stats and clock, rmmod both;
#          then the samples smr_lookup and smr_flow, each loaded, run to
#          its "load done" and unloaded.
#   bench: on the non-debug kernel (uml-kernel.sh bench, 1G of memory):
#          insmod smr, insmod smr_bench (the params go to it), wait for
#          "smr_bench: done" (SMR_BENCH_WAIT seconds, default 600), print
#          its results between SMR-BENCH-BEGIN and SMR-BENCH-END, rmmod
#          both (common.sh: init_bench_body).
# /init reports each step as "SMR-HARNESS: <step> ok|FAILED" in the kernel
# log and ends with "SMR-HARNESS: done". The console is saved to
# build/uml-<mode>.log, whose path is printed; judging it is up to the
# caller, even when UML panicked or timed out. SMR_UML_TIMEOUT overrides
# the time limit (seconds).
set -euo pipefail
. "$(dirname "$0")/common.sh"

mode=kunit
case ${1:-} in kunit | demo | bench) mode=$1; shift ;; esac
# The bench has its own kernel, modules and root (so that a bench and a
# test run do not share /init).
target=uml
flavour=kunit
root=$SMR_BUILD/uml-root
mem=256M
modules=(smr.ko smr_demo.ko)
limit=300
if [ "$mode" = bench ]; then
	target="uml-bench"
	flavour=bench
	root=$SMR_BUILD/uml-bench-root
	mem=1G
	modules=(smr.ko smr_bench.ko)
	bench_wait=${SMR_BENCH_WAIT:-600}
	limit=$((bench_wait + 120))
fi
limit=${SMR_UML_TIMEOUT:-$limit}
console=$SMR_BUILD/uml-$mode.log

# Busybox root with its applets, built once.
stage_root() {
	[ -f "$root/.staged" ] && return
	log "staging busybox root in $root"
	rm -rf "$root"
	mkdir -p "$root"/{bin,proc,sys,dev,tmp,lib/smr}
	cp /bin/busybox "$root/bin/busybox"
	for applet in $(/bin/busybox --list | grep -vx busybox); do
		ln -s busybox "$root/bin/$applet"
	done
	touch "$root/.staged"
}

# Helpers shared by both /init flavours.
init_header() {
	cat <<'SH'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mark() { echo "SMR-HARNESS: $*" > /dev/kmsg; }
step() {  # step <name> <cmd...>: marks "<name> ok" or "<name> FAILED"
	name=$1; shift
	if "$@"; then mark "$name ok"; else mark "$name FAILED (rc $?)"; fi
}
SH
	printf "params='%s'\n" "$*"
}

init_kunit() {
	init_header "$@"
	init_kunit_passes "$(kunit_modules uml)"
	cat <<'SH'
mark done
poweroff -f
SH
}

init_demo() {
	init_header "$@"
	cat <<'SH'
# Copy smr's debugfs files to /tmp/smrstat/<n>/ with the uptime, for
# scripts/smrstat --from on the host (the root is a host directory).
snap=0
smr_snapshot() {
	d=/tmp/smrstat/$snap
	for f in /sys/kernel/debug/smr/*/stats /sys/kernel/debug/smr/*/clock; do
		[ -e "$f" ] || continue
		mkdir -p "$d/$(basename "$(dirname "$f")")"
		cat "$f" > "$d/$(basename "$(dirname "$f")")/$(basename "$f")"
	done
	cat /proc/uptime > "$d/uptime"
	snap=$((snap + 1))
}
rm -rf /tmp/smrstat
mark "demo begin"
step "insmod smr" insmod /lib/smr/smr.ko
step "insmod smr_demo" insmod /lib/smr/smr_demo.ko $params
# Wait for the load to end (duration_ms is at most 60 s), a snapshot every
# quarter second.
i=0
smr_snapshot
while [ $i -lt 260 ] && ! dmesg | grep -q 'smr_demo: load done'; do
	sleep 0.25
	smr_snapshot
	i=$((i + 1))
done
for f in /sys/kernel/debug/smr/*/stats /sys/kernel/debug/smr/*/clock; do
	echo "--- $f"
	cat "$f"
done
step "rmmod smr_demo" rmmod smr_demo
# The sample consumer (samples/smr_lookup), built out of tree.
step "insmod smr_lookup" insmod /lib/smr/smr_lookup.ko duration_ms=1000
i=0
smr_snapshot
while [ $i -lt 40 ] && ! dmesg | grep -q 'smr_lookup: load done'; do
	sleep 0.25
	smr_snapshot
	i=$((i + 1))
done
echo "--- /sys/kernel/debug/smr/lookup/stats"
cat /sys/kernel/debug/smr/lookup/stats
step "rmmod smr_lookup" rmmod smr_lookup
# The smr_shash sample (samples/smr_flow): a flow table that grows.
step "insmod smr_flow" insmod /lib/smr/smr_flow.ko duration_ms=1000
i=0
while [ $i -lt 40 ] && ! dmesg | grep -q 'smr_flow: load done'; do
	sleep 0.25
	i=$((i + 1))
done
step "rmmod smr_flow" rmmod smr_flow
step "rmmod smr" rmmod smr
mark "demo end"
mark done
poweroff -f
SH
}

init_bench() {
	init_header
	init_bench_body "$bench_wait" "$@"
	cat <<'SH'
mark done
poweroff -f
SH
}

uml=$("$SMR_ROOT/scripts/uml-kernel.sh" "$flavour")
for ko in "${modules[@]}"; do
	[ -f "$SMR_BUILD/$target/$ko" ] ||
		die "no build/$target/$ko; run scripts/build-modules.sh $target first"
done
stage_root
rm -f "$root"/lib/smr/*.ko
cp "$SMR_BUILD/$target"/*.ko "$SMR_BUILD/$target"/samples/*/*.ko "$root/lib/smr/"
"init_$mode" "$@" >"$root/init"
chmod +x "$root/init"

log "booting UML ($mode, limit ${limit}s), console in $console"
# UML's userspace stub processes inherit glibc's rseq registration but not
# the memory it points to, so the host kills them at their first signal
# ("wait_stub_done: failed to wait for SIGTRAP", "Attempted to kill init").
# Later UML versions unregister rseq themselves; here glibc must not set it.
rc=0
GLIBC_TUNABLES=glibc.pthread.rseq=0 \
timeout -k 10 "$limit" "$uml/linux" mem="$mem" \
	root=/dev/root rootfstype=hostfs rootflags="$root" rw init=/init \
	con=none con0=fd:0,fd:1 printk.devkmsg=on kunit.enable=1 \
	</dev/null >"$console" 2>&1 || rc=$?
# A panic or timeout is a test result, not a harness error: show the end
# of the log and leave the verdict to the caller (kunit-verdict.sh).
if [ "$rc" != 0 ]; then
	tail -n 30 "$console" >&2
	log "UML exited with status $rc$([ "$rc" != 124 ] || echo ' (timeout)')"
fi
echo "$console"
