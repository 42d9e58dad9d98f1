#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Judge the console log of a KUnit run (`uml-run.sh kunit`, `qemu-run.sh
# <kernel> kunit`). Fails on a missing or FAILED harness marker, on any
# report of scripts/reports.sh (WARNINGs are expected only from the misuse
# cases named there), or when kunit.py finds a failing, crashed or missing
# test in any pass /init announced ("kunit passes: 1 2", or 1). With
# --smp (a run on several CPUs) a skipped case fails too: the cases that
# skip on one CPU must run there. The last line printed is "N passed, N
# failed", counting leaf test cases over the passes and KUnit modules. Each pass's slice of the log, each
# module's part of it and kunit.py's reports are kept beside the log
# (<log without .log>.pass<n>.log, .pass<n>.<module>.log and .kunit).
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
steps=("insmod smr" "rmmod smr" "debugfs smr gone")

failures=0
passed=0
failed=0
fail() { log "FAIL: $*"; failures=$((failures + 1)); }

# Lines of the log from the first line containing $1 to the next line
# containing $2.
slice() {
	awk -v b="$1" -v e="$2" \
		'index($0, b) { on = 1 } on { print } on && index($0, e) { on = 0 }' \
		"$console"
}

# N of "<what>: N" in kunit.py's summary, e.g. "Ran 6 tests: passed: 5,
# skipped: 1" (kunit.py leaves out zero counts).
count() {
	grep -o "$1: [0-9]*" <<<"$2" | grep -o '[0-9]*$' || echo 0
}

# judge_module <pass> <module>: kunit.py on what the module printed while
# it loaded (from "kunit <module> begin" to "insmod <module> ...").
judge_module() {
	local n=$1 m=$2 part summary skipped
	local out=${console%.log}.pass$1.$2.log
	part=$(awk -v p="SMR-HARNESS: pass $n begin" -v q="SMR-HARNESS: pass $n end" \
		-v b="SMR-HARNESS: kunit $m begin" -v e="SMR-HARNESS: insmod $m " '
		index($0, p) { inpass = 1 } index($0, q) { inpass = 0 }
		inpass && index($0, b) { on = 1 } on { print }
		on && index($0, e) { on = 0 }' "$console")
	printf '%s\n' "$part" >"$out"
	python3 "$kunit_py" parse "$out" >"${out%.log}.kunit" 2>&1 ||
		fail "pass $n $m: kunit.py reports failure"
	cat "${out%.log}.kunit"
	summary=$(grep -o 'Ran [0-9]* tests.*' "${out%.log}.kunit" | tail -n 1) ||
		true
	log "pass $n $m: ${summary:-no KUnit summary}"
	if [[ ! $summary =~ ^Ran\ [1-9] ]]; then
		fail "pass $n $m: no tests ran"
	fi
	if [ "$(count errors "$summary")" != 0 ]; then
		fail "pass $n $m: malformed KTAP"
	fi
	skipped=$(count skipped "$summary")
	if [ "$skipped" != 0 ]; then
		log "pass $n $m: $skipped case(s) skipped"
		if [ -n "$smp" ]; then
			grep '# SKIP' "$out" >&2 || true
			fail "pass $n $m: case(s) skipped on an SMP run"
		fi
	fi
	passed=$((passed + $(count passed "$summary")))
	failed=$((failed + $(count failed "$summary")))
	failed=$((failed + $(count crashed "$summary")))
}

judge_pass() {
	local n=$1 step m mods
	local out=${console%.log}.pass$1.log
	slice "SMR-HARNESS: pass $n begin" "SMR-HARNESS: pass $n end" >"$out"
	if [ ! -s "$out" ]; then
		fail "pass $n: no output"
		return
	fi
	mods=$(sed -n 's/.*SMR-HARNESS: pass [0-9]* begin.*kunit modules: //p' \
		"$out" | head -n 1)
	[ -n "$mods" ] || fail "pass $n: no KUnit modules named"
	for step in "${steps[@]}"; do
		grep -q "SMR-HARNESS: $step ok" "$out" ||
			fail "pass $n: $step not ok"
	done
	for m in $mods; do
		for step in "insmod $m" "rmmod $m"; do
			grep -q "SMR-HARNESS: $step ok" "$out" ||
				fail "pass $n: $step not ok"
		done
		judge_module "$n" "$m"
	done
}

passes=$(sed -n 's/.*SMR-HARNESS: kunit passes: //p' "$console" | head -n 1)
case $passes in
"1 2" | 1) for n in $passes; do judge_pass "$n"; done ;;
*) fail "no 'kunit passes' marker" ;;
esac
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
