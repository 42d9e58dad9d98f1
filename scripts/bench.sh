#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: measure smr against RCU, SRCU and the others with
# smr_bench.ko, on each kernel in turn, and write a report per kernel:
#   uml     the non-debug preemptible UML kernel (uml-kernel.sh bench,
#           1 CPU, native speed): uml-run.sh bench
#   debian  Debian's cloud kernel under QEMU (TCG, 4 CPUs, preempt=full):
#           qemu-run.sh debian bench
#   debian-rt  Debian's PREEMPT_RT kernel under QEMU (TCG, 4 CPUs),
#           parts=read,sync only: qemu-run.sh debian-rt bench
#   debian-possible  the cloud kernel booted once per count in
#           BENCH_POSSIBLE (default "4 64 255") with that many possible
#           CPUs, 4 of them online (SMR_QEMU_SMP=N SMR_QEMU_ONLINE=4 and
#           maxcpus=4 on the command line: the others are never brought
#           up), parts=writer,sync only: how the scans' cost grows with
#           the possible CPUs (bench-possible.py writes one table of all).
#           255 stands for the issue's 256: QEMU 7.2's TCG boots no more
#           ("The max CPUs supported by machine 'pc-i440fx-7.2' is 255";
#           q35 past 255 wants KVM's x2APIC API); a count the installed
#           QEMU refuses stops the run before anything boots
# For each: install what is missing (deps.sh), build the kernel and the
# modules, boot, load smr.ko and smr_bench.ko, echo smr_bench's progress
# lines as they appear on the console, then turn the results into
# bench/results/<date>-<kernel>.md and <date>-<kernel>-<plot>.png
# (bench-report.py). Ends with the paths of those files and each kernel's
# Targets table.
# Usage: bench.sh [uml|debian|debian-rt|debian-possible ...] [smr_bench params...]
# Environment (make bench passes its variables of the same names):
#   BENCH_KERNELS="uml debian debian-rt debian-possible"  the kernels,
#                               when none is given as argument
#   BENCH_POSSIBLE="4 64 255"   debian-possible's possible CPU counts
#   BENCH_PARAMS="runs=3 ..."   smr_bench params; they override the
#                               defaults (uml: loops=200000 runs=9
#                               grow_runs=3; debian: loops=100000 runs=9
#                               sync_samples=100 flood_ms=2000 table_ms=500
#                               grow_runs=3)
#   BENCH_QUICK=1               a smoke run with tiny params, written to
#                               build/bench/ instead of bench/results/
#   SMR_BENCH_WAIT=<s>          how long /init waits for "smr_bench: done"
#                               (default: 600 uml, 1800 debian, 300 quick)
# A kernel where smr_bench fails or does not finish in time gets no
# report; a run with kernel reports (WARN, BUG, stalls...) or a failed
# harness step still gets one, with a warning in it. Either way the other
# kernels still run, and the exit status is 1 at the end. A build or
# boot-script failure stops everything.
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/reports.sh"

usage="usage: bench.sh [uml|debian|debian-rt|debian-possible ...] [smr_bench params...]"
kernels=()
user_params=()
for arg in "$@"; do
	case $arg in
	uml | debian | debian-rt | debian-possible) kernels+=("$arg") ;;
	*=*) user_params+=("$arg") ;;
	*) die "$usage" ;;
	esac
done
[ ${#kernels[@]} -gt 0 ] || read -ra kernels <<<"${BENCH_KERNELS:-uml debian debian-rt debian-possible}"
for k in "${kernels[@]}"; do
	case $k in uml | debian | debian-rt | debian-possible) ;; *) die "BENCH_KERNELS: unknown kernel '$k'" ;; esac
done
read -ra more <<<"${BENCH_PARAMS:-}"
user_params+=(${more[@]+"${more[@]}"})

# The command line as the user typed it, for the report.
if [ -n "${MAKELEVEL:-}" ]; then
	command="make bench"
	for v in BENCH_KERNELS BENCH_POSSIBLE BENCH_PARAMS BENCH_QUICK SMR_BENCH_WAIT; do
		[ -z "${!v:-}" ] || command+=" $v=\"${!v}\""
	done
else
	command="scripts/bench.sh${*:+ $*}"
	for v in BENCH_KERNELS BENCH_POSSIBLE BENCH_PARAMS BENCH_QUICK SMR_BENCH_WAIT; do
		[ -z "${!v:-}" ] || command="$v=\"${!v}\" $command"
	done
fi
quick=${BENCH_QUICK:-0}
case $quick in 0 | 1) ;; *) die "BENCH_QUICK=$quick: want 0 or 1" ;; esac
if [ "$quick" = 1 ]; then
	out_dir=$SMR_BUILD/bench
	export SMR_BENCH_WAIT=${SMR_BENCH_WAIT:-300}
else
	out_dir=$SMR_ROOT/bench/results
fi
date=$(date +%F)

# bench_params <kernel>: its default params, less those the user gave,
# then the user's.
bench_params() {
	local defaults p out=()
	if [ "$quick" = 1 ]; then
		defaults=(loops=1000 runs=2 sync_samples=5 flood_ms=200 table_ms=100
			grow_entries=16384 grow_steady_ms=100)
	elif [ "$1" = uml ]; then
		defaults=(loops=200000 runs=9 grow_runs=3)
	else
		# TCG time-slices 4 vCPUs on the host's cores: more and longer
		# runs, so that the median run is a steady figure. A grow run
		# (1M entries, both tables) took 22 and 24 s in two boots here.
		defaults=(loops=100000 runs=9 sync_samples=100 flood_ms=2000
			table_ms=500 grow_runs=3)
	fi
	# Only the parts whose cost follows the possible CPUs.
	[ "$1" != debian-possible ] || defaults+=(parts=writer,sync)
	# On 1-CPU UML no grow part: its run of smr_hash never ends there
	# (the guest goes idle with the writer and its reader both blocked;
	# seen 2026-12-02, not yet understood), so it would cost the whole
	# report. parts=grow still runs it on purpose.
	[ "$1" != uml ] || defaults+=(parts=read,load,writer,sync,flood,table)
	# On PREEMPT_RT: the read side and synchronize.
	[ "$1" != debian-rt ] || defaults+=(parts=read,sync)
	for p in "${defaults[@]}"; do
		[[ " ${user_params[*]} " == *" ${p%%=*}="* ]] || out+=("$p")
	done
	echo "${out[*]}${user_params[*]:+ ${user_params[*]}}"
}

# The options of a kernel .config that matter to the figures.
config_summary() {
	local opt v s=
	for opt in PREEMPT PREEMPT_VOLUNTARY PREEMPT_DYNAMIC PREEMPT_RT PREEMPT_RCU \
		TREE_SRCU HZ NR_CPUS \
		DEBUG_KERNEL KASAN PROVE_LOCKING DEBUG_ATOMIC_SLEEP KUNIT; do
		v=$(sed -n "s/^CONFIG_$opt=//p" "$1")
		s+="$opt=${v:-n} "
	done
	echo "${s% }"
}

# host_load: the host's load averages (1, 5, 15 min): the machine may be
# shared, and a busy host slows the guest's vCPUs.
host_load() {
	cut -d ' ' -f 1-3 /proc/loadavg
}

# guest_cpu <kernel> <console>: the guest's CPU model, from its boot log
# (x86: "smpboot: CPU0: <model> (family: ...)"); UML runs on the host's.
guest_cpu() {
	if [ "$1" = uml ]; then
		echo "the host's (UML runs natively)"
		return
	fi
	tr -d '\r' <"$2" | sed -n 's/.*smpboot: CPU0: \(.*\) (family:.*/\1/p' |
		head -n 1 | grep . || echo "unknown (no smpboot line)"
}

# console_results <console>: the lines from SMR-BENCH-BEGIN to
# SMR-BENCH-END.  A kernel message that came out in the middle of a line
# is put on a line of its own, and the line's start is joined to its rest,
# which follows the message: on PREEMPT_RT the printk thread wrote /init's
# "bench finished ok" onto the BEGIN marker's line ("SMR-BENCH-BEGIN[
# 10.446745] SMR-HARNESS: ...") and "random: crng init done" into a
# cdf record ("cdf [   16.791417] random: ...").
console_results() {
	tr -d '\r' <"$1" | awk '{
		line = head $0
		head = ""
		if (match(line, /\[ *[0-9][0-9]*\.[0-9][0-9]*\] /) && RSTART > 1) {
			head = substr(line, 1, RSTART - 1)
			print substr(line, RSTART)
			next
		}
		print line
	}' | sed -n '/^SMR-BENCH-BEGIN$/,/^SMR-BENCH-END$/p'
}

# qemu_refuses_smp <n>: QEMU's complaint when it cannot start -smp n
# (machine pc, TCG, as qemu-run.sh boots it); nothing when it starts.
qemu_refuses_smp() {
	local out rc=0
	out=$(timeout 5 qemu-system-x86_64 -accel tcg -smp "$1" -m 256 \
		-display none -monitor none -serial none -nodefaults -S \
		</dev/null 2>&1) || rc=$?
	[ "$rc" = 124 ] || echo "${out:-exit status $rc}"
}

# echo_new <console> <n>: log the console's progress and harness lines
# after line n (smr_bench's own lines, the /init markers, kernel reports);
# print the new line count. A console shorter than n was started anew.
echo_new() {
	local file=$1 n=$2 total
	[ -f "$file" ] || { echo 0; return; }
	total=$(wc -l <"$file")
	[ "$total" -ge "$n" ] || n=0
	if [ "$total" -gt "$n" ]; then
		sed -n "$((n + 1)),${total}p" "$file" | tr -d '\r' |
			sed 's/^\[ *[0-9]*\.[0-9]*\] //' |
			grep -E "^(smr_bench: |SMR-HARNESS: )|$bad_re" |
			sed "s/^/[bench] $kernel: /" >&2 || true
	fi
	echo "$total"
}

# watch_console <console> <stop file>: echo_new every 2 s, and a last
# time once the stop file exists.
watch_console() {
	local n=0 last=
	while :; do
		[ ! -e "$2" ] || last=1
		n=$(echo_new "$1" "$n")
		[ -z "$last" ] || return 0
		sleep 2
	done
}

# run_watched <console> <cmd...>: run the boot script (in the foreground,
# so that ^C reaches it), echo the console's progress as it grows; the
# script's stdout goes to $work/run.out.
watcher=
run_watched() {
	local console=$1 rc=0
	shift
	rm -f "$console" "$work/stop"
	watch_console "$console" "$work/stop" &
	watcher=$!
	"$@" >"$work/run.out" || rc=$?
	touch "$work/stop"
	wait "$watcher" || true
	watcher=
	return "$rc"
}
trap '[ -z "$watcher" ] || kill "$watcher" 2>/dev/null || true' EXIT

reports=()
failed=()
files=()
ok=()

# kernel_failed <message>: log why this kernel has no report.
kernel_failed() {
	log "error: $kernel: $*"
	failed+=("$kernel: $*")
}

# bench_kernel <kernel>: build, boot, run, report.
bench_kernel() {
	local kernel=$1 t=$SECONDS target console config label setup params
	local runner wait results notes=() line reason load
	work=$SMR_BUILD/bench/work-$kernel
	rm -rf "$work"
	mkdir -p "$work"
	params=$(bench_params "$kernel")
	log "== $kernel: build"
	case $kernel in
	uml)
		target=uml-bench
		config=$(./uml-kernel.sh bench)/.config
		console=$SMR_BUILD/uml-bench.log
		runner=(./uml-run.sh bench)
		label=uml
		wait=${SMR_BENCH_WAIT:-600}
		setup="UML (ARCH=um, 1 CPU, mem=1G), scripts/configs/uml-bench.config"
		;;
	debian)
		target=debian
		config=$(dirname "$(debian_vmlinuz)")/config
		console=$SMR_BUILD/qemu-debian-bench.log
		runner=(./qemu-run.sh debian bench)
		label=qemu-tcg-smp4
		wait=${SMR_BENCH_WAIT:-1800}
		setup="$(qemu-system-x86_64 --version | head -n 1 |
			sed 's/ (.*//'), TCG, -smp 4, -m 4G, Debian's cloud kernel, preempt=full"
		;;
	debian-rt)
		target=debian-rt
		config=$(dirname "$(debian_vmlinuz RT)")/config
		console=$SMR_BUILD/qemu-debian-rt-bench.log
		runner=(./qemu-run.sh debian-rt bench)
		label=qemu-tcg-smp4-rt
		wait=${SMR_BENCH_WAIT:-1800}
		setup="$(qemu-system-x86_64 --version | head -n 1 |
			sed 's/ (.*//'), TCG, -smp 4, -m 4G, Debian's PREEMPT_RT kernel"
		;;
	esac
	./build-modules.sh "$target" >/dev/null
	[ -f "$SMR_BUILD/$target/smr_bench.ko" ] ||
		die "$kernel: no build/$target/smr_bench.ko (does Kbuild build smr_bench?)"
	log "== $kernel: boot and run smr_bench $params (wait limit ${wait}s)"
	load="before $(host_load)"
	# shellcheck disable=SC2086 # the params are words
	run_watched "$console" "${runner[@]}" $params ||
		die "$kernel: the boot script failed (console: $console)"
	load+=", after $(host_load)"
	line=$(grep -m 1 -E 'SMR-HARNESS: insmod smr(_bench)? FAILED' "$console" || true)
	if [ -n "$line" ]; then
		# The module's reason comes just before the marker.
		reason=$(tr -d '\r' <"$console" | grep -B 5 -F "$line" |
			grep -E '^(\[ *[0-9.]+\] )?smr(_bench)?: ' | tail -n 1 || true)
		kernel_failed "${line#*SMR-HARNESS: }${reason:+ (${reason#*] })}; console: $console"
		return
	fi
	line=$(tr -d '\r' <"$console" | grep -m 1 'smr_bench: failed' || true)
	if [ -n "$line" ]; then
		kernel_failed "${line#*smr_bench: }; console: $console"
		return
	fi
	if ! grep -q 'smr_bench: done' "$console"; then
		kernel_failed "no 'smr_bench: done' line: smr_bench did not finish within ${wait}s (SMR_BENCH_WAIT) or the kernel died; console: $console"
		return
	fi
	results=$work/results.txt
	console_results "$console" >"$results"
	if ! grep -qx 'done' "$results"; then
		kernel_failed "the results on the console are incomplete (no 'done' record); console: $console"
		return
	fi
	if report_scan "$console" none | grep . >"$work/reports.txt"; then
		notes+=(--note "the kernel reported problems during the run: $(
			head -n 3 "$work/reports.txt" | tr '\n' ';' | sed 's/;$//')")
		log "$kernel: kernel reports (console: $console):"
		cat "$work/reports.txt" >&2
	fi
	if grep 'SMR-HARNESS: .*FAILED' "$console" >"$work/failed.txt"; then
		notes+=(--note "harness steps failed: $(tr '\n' ';' <"$work/failed.txt" | sed 's/;$//')")
		log "$kernel: harness steps failed (console: $console):"
		cat "$work/failed.txt" >&2
	fi
	[ ${#notes[@]} = 0 ] || reports+=("$kernel")
	mkdir -p "$out_dir"
	python3 ./bench-report.py --results "$results" --kernel "$kernel" \
		--label "$label" --date "$date" --out-dir "$out_dir" \
		--work-dir "$work/plots" --config "$(config_summary "$config")" \
		--setup "$setup" --command "$command" --params "$params" \
		--guest-cpu "$(guest_cpu "$kernel" "$console")" --host-load "$load" \
		${notes[@]+"${notes[@]}"} >"$work/report.out" ||
		die "$kernel: bench-report.py failed"
	files+=("$(sed -n 's/^\(report\|plot\): //p' "$work/report.out")")
	ok+=("$kernel")
	log "== $kernel: done in $((SECONDS - t))s"
}

# bench_possible: debian's bench once per BENCH_POSSIBLE count, 4 CPUs
# online each time, then one table of them all.
bench_possible() {
	local kernel=debian-possible t=$SECONDS params n console results=()
	local possible wait=${SMR_BENCH_WAIT:-1800} why load=
	read -ra possible <<<"${BENCH_POSSIBLE:-4 64 255}"
	for n in "${possible[@]}"; do
		[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 4 ] ||
			die "BENCH_POSSIBLE: '$n' is not a CPU count of 4 or more"
		why=$(qemu_refuses_smp "$n")
		[ -z "$why" ] || die "BENCH_POSSIBLE: QEMU cannot boot $n CPUs: $why"
	done
	work=$SMR_BUILD/bench/work-$kernel
	rm -rf "$work"
	mkdir -p "$work"
	params=$(bench_params "$kernel")
	./build-modules.sh debian >/dev/null
	for n in "${possible[@]}"; do
		log "== $kernel: $n possible CPUs, 4 online: smr_bench $params"
		console=$SMR_BUILD/qemu-debian$([ "$n" = 4 ] || echo "-smp$n")-bench.log
		# maxcpus=4: the kernel brings up 4 CPUs and leaves the others
		# present, possible and offline, so a boot with 255 vCPUs takes
		# no longer than one with 4; /init's offlining finds them so.
		load+="${load:+; }$n possible: before $(host_load)"
		# shellcheck disable=SC2086 # the params are words
		run_watched "$console" env SMR_QEMU_SMP="$n" SMR_QEMU_ONLINE=4 \
			SMR_QEMU_CMDLINE="maxcpus=4${SMR_QEMU_CMDLINE:+ $SMR_QEMU_CMDLINE}" \
			./qemu-run.sh debian bench $params ||
			die "$kernel: the boot script failed (console: $console)"
		load+=", after $(host_load)"
		if ! grep -q 'smr_bench: done' "$console" ||
			report_scan "$console" none | grep -q .; then
			kernel_failed "$n possible: no 'smr_bench: done' line, or kernel reports; console: $console"
			return
		fi
		console_results "$console" >"$work/results-$n.txt"
		cp "$console" "$work/console-$n.log"
		results+=("$work/results-$n.txt")
	done
	python3 ./bench-possible.py --out-dir "$out_dir" --date "$date" \
		--guest-cpu "$(guest_cpu debian "$work/console-${possible[0]}.log")" \
		--host-load "$load" \
		--setup "$(qemu-system-x86_64 --version | head -n 1 | sed 's/ (.*//'), TCG, -smp N (${possible[*]}), 4 online, -m 4G, Debian's cloud kernel, preempt=full" \
		--command "$command" --params "$params" "${results[@]}" \
		>"$work/report.out" || die "$kernel: bench-possible.py failed"
	files+=("$(sed -n 's/^report: //p' "$work/report.out")")
	ok+=("$kernel")
	log "== $kernel: done in $((SECONDS - t))s"
}

cd "$SMR_ROOT/scripts"
start=$SECONDS
log "kernels: ${kernels[*]}$([ "$quick" = 0 ] || echo ' (quick)'); reports in $out_dir"
./deps.sh >/dev/null
for kernel in "${kernels[@]}"; do
	if [ "$kernel" = debian-possible ]; then
		bench_possible
	else
		bench_kernel "$kernel"
	fi
done
log "== all done in $((SECONDS - start))s"
[ ${#files[@]} = 0 ] || printf '%s\n' "${files[@]}"
for kernel in ${ok[@]+"${ok[@]}"}; do
	echo
	sed -n '/^\(Targets\|Cost against\)/,/^report: /{/^report: /d;p}' \
		"$SMR_BUILD/bench/work-$kernel/report.out"
done
if [ ${#reports[@]} -gt 0 ]; then
	log "error: kernel reports or failed steps in: ${reports[*]} (see the warnings in their reports)"
fi
if [ ${#failed[@]} -gt 0 ]; then
	log "error: no report for:"
	printf '  %s\n' "${failed[@]}" >&2
fi
[ ${#reports[@]} = 0 ] && [ ${#failed[@]} = 0 ] || exit 1
