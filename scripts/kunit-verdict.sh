#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Judge the console log of a KUnit run (`uml-run.sh kunit`, `qemu-run.sh
# <kernel> kunit`). Fails on a missing or FAILED harness marker, on any
# report of scripts/reports.sh (WARNINGs are expected only inside the
# smr_misuse suite), or when kunit.py finds a failing, crashed or missing
# test in either pass. With --smp (a run on several CPUs) a skipped case
# fails too: the cases that skip on one CPU must run there. The last line
# printed is "N passed, N failed", counting leaf test cases over both
# passes. Each pass's slice of the log and kunit.py's report are kept
# beside it (<log without .log>.pass<n>.log and .kunit).
# Usage: kunit-verdict.sh [--smp] <console log>
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/reports.sh"

smp=
if [ "${1:-}" = --smp ]; then
	smp=1
	shift
fi
console=${1:?usage: kunit-verdict.sh [--smp] <console log>}
[ -f "$console" ] || die "no such log: $console"
console=$(realpath "$console") # kunit.py runs elsewhere
kunit_py=$(kernel_source)/tools/testing/kunit/kunit.py
steps=("insmod smr" "insmod smr_kunit" "rmmod smr_kunit" "rmmod smr"
       "debugfs smr gone")

failures=0
passed=0
failed=0
fail() { log "FAIL: $*"; failures=$((failures + 1)); }

# Lines of the log between "pass <n> begin" and "pass <n> end".
pass_slice() {
	awk -v b="SMR-HARNESS: pass $1 begin" -v e="SMR-HARNESS: pass $1 end" \
		'index($0, b) { on = 1 } on { print } index($0, e) { on = 0 }' \
		"$console"
}

# N of "<what>: N" in kunit.py's summary, e.g. "Ran 6 tests: passed: 5,
# skipped: 1" (kunit.py leaves out zero counts).
count() {
	grep -o "$1: [0-9]*" <<<"$2" | grep -o '[0-9]*$' || echo 0
}

judge_pass() {
	local n=$1 slice=${console%.log}.pass$1.log step summary skipped
	local report=${console%.log}.pass$1.kunit
	pass_slice "$n" >"$slice"
	if [ ! -s "$slice" ]; then
		fail "pass $n: no output"
		return
	fi
	for step in "${steps[@]}"; do
		grep -q "SMR-HARNESS: $step ok" "$slice" ||
			fail "pass $n: $step not ok"
	done
	python3 "$kunit_py" parse "$slice" >"$report" 2>&1 ||
		fail "pass $n: kunit.py reports failure"
	cat "$report"
	summary=$(grep -o 'Ran [0-9]* tests.*' "$report" | tail -n 1) || true
	log "pass $n: ${summary:-no KUnit summary}"
	if [[ ! $summary =~ ^Ran\ [1-9] ]]; then
		fail "pass $n: no tests ran"
	fi
	if [ "$(count errors "$summary")" != 0 ]; then
		fail "pass $n: malformed KTAP"
	fi
	skipped=$(count skipped "$summary")
	if [ "$skipped" != 0 ]; then
		log "pass $n: $skipped case(s) skipped"
		if [ -n "$smp" ]; then
			grep '# SKIP' "$slice" >&2 || true
			fail "pass $n: case(s) skipped on an SMP run"
		fi
	fi
	passed=$((passed + $(count passed "$summary")))
	failed=$((failed + $(count failed "$summary")))
	failed=$((failed + $(count crashed "$summary")))
}

judge_pass 1
judge_pass 2
grep -q 'SMR-HARNESS: done' "$console" || fail "no 'done' marker"
if grep 'SMR-HARNESS: .*FAILED' "$console" >&2; then
	fail "harness step(s) failed, see above"
fi
if report_scan "$console" kunit | grep . >&2; then
	fail "unexpected kernel report(s) in $console, see above"
fi
[ "$failed" = 0 ] || fail "$failed KUnit case(s) failed"
if [ "$failures" = 0 ]; then
	log "verdict: PASS"
else
	log "verdict: FAIL ($failures problem(s), see above)"
fi
echo "$passed passed, $failed failed"
[ "$failures" = 0 ]
