#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Judge the console log of `qemu-run.sh <kernel> <scenario>`. Every run
# fails on a missing "done" or a FAILED harness marker and on any report of
# scripts/reports.sh outside the windows where the misuse tests provoke
# them. Then, per scenario:
#   kunit:   kunit-verdict.sh --smp (no case may skip on 4 CPUs); its last
#            line, "N passed, N failed", is this script's last line.
#   torture: one final "smr_torture: SUCCESS" line with errors=0, reads and
#            updates made, and CPU hotplug done when hotplug_ms was set.
#   busted:  one final "smr_torture: FAILURE" line (busted=1 or 2, errors>0); a
#            busted SUCCESS means the torture test cannot fail: a harness
#            failure.
#   misuse:  each case's expected report between its begin and end lines
#            (free-with-reader and the stall cases may be skipped on one
#            CPU; the stall cases must name the reader; sleep-in-section
#            reports only with CONFIG_DEBUG_ATOMIC_SLEEP, which /init's
#            "kernel config:" line tells), "done, 0 problems".
#   dkms:    as torture, and modprobe loaded and removed both modules by
#            name from the DKMS-installed tree.
#   abi:     the mismatched consumer refused with "Unknown symbol
#            smr_abi_..." and the matching one loaded (the harness steps).
# The last line is a one-line summary: "<kernel> <scenario>: PASS|FAIL ...".
# Usage: qemu-verdict.sh <kunit|torture|busted|misuse|dkms|abi> <console log>
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/reports.sh"

usage="usage: qemu-verdict.sh <kunit|torture|busted|misuse|dkms|abi> <console log>"
scenario=${1:?$usage}
console=${2:?$usage}
[ -f "$console" ] || die "no such log: $console"
if [ "$scenario" = kunit ]; then
	exec "$SMR_ROOT/scripts/kunit-verdict.sh" --smp "$console"
fi
label=$(basename "$console" .log)
label=${label#qemu-}
label=${label%-"$scenario"}

failures=0
detail=
final=
fail() { log "FAIL: $*"; failures=$((failures + 1)); }

# The log with printk's "[  12.345678] " prefixes removed.
plain() { sed 's/^\[ *[0-9]*\.[0-9]*\] //' "$console"; }
# Does the log, without timestamps, have a line matching $1?  Not
# "plain | grep -q": under pipefail, sed killed by SIGPIPE when grep -q
# quits early makes a match look like none (a stall-tick case judged
# although it was skipped, on a log longer than a pipe's buffer).
plain_has() { grep -q -- "$1" < <(plain); }

# N of "<key>=N" in a torture line, or -1.
field() { grep -o " $1=[0-9]*" <<<"$2" | cut -d= -f2 || echo -1; }

judge_common() {
	local mode=none
	[ "$scenario" != misuse ] || mode=misuse
	grep -q 'SMR-HARNESS: done' "$console" ||
		fail "no 'done' marker (crash or timeout?)"
	if grep 'SMR-HARNESS: .*FAILED' "$console" >&2; then
		fail "harness step(s) failed, see above"
	fi
	if report_scan "$console" "$mode" | grep . >&2; then
		fail "unexpected kernel report(s), see above"
	fi
}

# Set $final to the final torture line; fail unless there is exactly one.
torture_final() {
	local lines n
	lines=$(plain | grep -E '^smr_torture: (SUCCESS|FAILURE) ' || true)
	n=$(grep -c . <<<"$lines" || true)
	[ "$n" = 1 ] || fail "$n final torture lines (want 1)"
	final=$(tail -n 1 <<<"$lines")
	detail=${final#smr_torture: }
}

judge_torture() {
	local hotplug_ms
	torture_final
	case $final in
	"smr_torture: SUCCESS "*) ;;
	"") return ;;
	*) fail "torture reported FAILURE" ;;
	esac
	[ "$(field errors "$final")" = 0 ] || fail "errors != 0"
	[ "$(field reads "$final")" -gt 0 ] || fail "no reads"
	[ "$(field updates "$final")" -gt 0 ] || fail "no updates"
	# retire=mixed (the default) rotates through every way of freeing.
	if ! grep -q 'SMR-HARNESS: torture begin.*retire=' "$console" &&
		[ "$(field kfrees "$final")" -le 0 ]; then
		fail "retire=mixed but no smr_kfree() (kfrees=$(field kfrees "$final"))"
	fi
	[ "$(field hash_resizes "$final")" -gt 0 ] ||
		fail "the hash workload resized nothing (hash_resizes=$(field hash_resizes "$final"))"
	[ "$(field shash_resizes "$final")" -gt 0 ] ||
		fail "the smr_shash was never resized (shash_resizes=$(field shash_resizes "$final"))"
	[ "$(field shash_fails "$final")" = 0 ] ||
		fail "the smr_shash refused inserts (shash_fails=$(field shash_fails "$final"))"
	hotplug_ms=$(grep -o 'SMR-HARNESS: torture begin.*' "$console" |
		grep -o 'hotplug_ms=[0-9]*' | tail -n 1 | cut -d= -f2 || true)
	if [ "${hotplug_ms:-0}" -gt 0 ] && [ "$(field hotplug "$final")" -le 0 ]
	then
		fail "hotplug_ms=$hotplug_ms but no CPU went off and on line"
	fi
}

judge_busted() {
	torture_final
	case $final in
	"smr_torture: FAILURE "*) ;;
	"smr_torture: SUCCESS "*)
		fail "busted run ended in SUCCESS: the torture test cannot" \
			"fail (harness failure)"
		;;
	esac
	case $(field busted "$final") in
	1 | 2) ;;
	*) [ -z "$final" ] || fail "final line is not from a busted=1 or 2 run" ;;
	esac
	[ -z "$final" ] || [ "$(field errors "$final")" -gt 0 ] ||
		fail "busted run reported no errors"
}

# Lines between "smr_misuse: begin <case>" and "smr_misuse: end <case>".
misuse_window() {
	plain | awk -v b="smr_misuse: begin $1" -v e="smr_misuse: end $1" \
		'$0 == b { on = 1 } on { print } $0 == e { on = 0; n++ }
		 END { exit n != 1 }'
}

judge_misuse_case() {
	local name=$1 want=$2 win
	if ! win=$(misuse_window "$name"); then
		fail "misuse $name: no complete begin/end window"
		return
	fi
	grep -qE -- "$want" <<<"$win" ||
		fail "misuse $name: no '$want' report in its window"
}

judge_misuse() {
	local last
	judge_misuse_case null-domain 'WARNING:'
	if grep -q 'SMR-HARNESS: kernel config:.* DEBUG_ATOMIC_SLEEP=y' \
		"$console"; then
		judge_misuse_case sleep-in-section \
			'BUG: sleeping function called from invalid context'
	else
		log "misuse sleep-in-section: no CONFIG_DEBUG_ATOMIC_SLEEP," \
			"nothing to expect"
	fi
	if plain_has '^smr_misuse: skip free-with-reader'; then
		log "misuse free-with-reader skipped (one CPU)"
	else
		judge_misuse_case free-with-reader \
			'domain freed with readers inside'
	fi
	# The comm of smr_misuse's "smr-misuse-stall" is cut to 15.  The
	# tick case is skipped where the reader's CPU runs no softirq while
	# it spins (PREEMPT_RT, kernels before 6.5: smr_misuse.c says why).
	if plain_has '^smr_misuse: skip stall-tick, stall-remote'; then
		log "misuse stall-tick, stall-remote skipped (one CPU)"
	elif plain_has '^smr_misuse: skip stall-tick:'; then
		log "misuse stall-tick skipped: $(plain | sed -n 's/^smr_misuse: skip stall-tick: //p')"
	else
		judge_misuse_case stall-tick 'stall: CPU [0-9]* reader smr-misuse-stal/'
	fi
	if ! plain_has '^smr_misuse: skip stall-tick, stall-remote'; then
		judge_misuse_case stall-remote 'seen by a poller on CPU'
		judge_misuse_case stall-remote 'stall: CPU [0-9]* is running smr-misuse-stal/'
	fi
	judge_misuse_case warn-misuse 'misuse: misuse: the misuse catalogue'
	last=$(plain | grep -o '^smr_misuse: done, [0-9]* problems' || true)
	detail=${last#smr_misuse: }
	[ "$last" = "smr_misuse: done, 0 problems" ] ||
		fail "misuse: want 'done, 0 problems', got '${last:-nothing}'"
}

judge_dkms() {
	local step
	for step in "modprobe smr" "modprobe smr_torture" \
		"modprobe -r smr_torture" "modprobe -r smr"; do
		grep -q "SMR-HARNESS: $step ok" "$console" || fail "$step: not ok"
	done
	judge_torture
}

judge_abi() {
	local step
	for step in "insmod smr" "abi: mismatched smr_lookup refused" \
		"abi: unknown symbol named" "insmod smr_lookup" "rmmod smr_lookup" \
		"insmod smr_flow" "smr_flow load done" "rmmod smr_flow" \
		"smr_flow unloaded"; do
		grep -q "SMR-HARNESS: $step ok" "$console" || fail "$step: not ok"
	done
	detail=$(plain | grep -o 'smr_lookup: Unknown symbol smr_abi_[0-9a-f]*' |
		head -n 1 || true)
}

case $scenario in
torture | busted | misuse | dkms | abi) ;;
*) die "$usage" ;;
esac
judge_common
"judge_$scenario"
if [ "$failures" = 0 ]; then
	echo "$label $scenario: PASS${detail:+ ($detail)}"
else
	echo "$label $scenario: FAIL, $failures problem(s)${detail:+ ($detail)}"
fi
[ "$failures" = 0 ]
