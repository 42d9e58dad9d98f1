#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks; any finding fails:
#   checkpatch --strict on every *.c/*.h of the repo (outside build/),
#   sparse (C=2) on a build against the Debian headers,
#   kernel-doc -Wall on the headers in the repo root,
#   smr.h's SMR_ABI_SYMBOL up to date with its layout (abi-hash.sh --check),
#   scripts/smrstat --selftest, scripts/bench-report.py --selftest,
#   the misuses the build must refuse (must-not-build.sh),
#   the Promela models under model/ (model-check.sh).
# Findings are kept in build/check/<checker>.txt.
# check.sh --sparse <target>: sparse only, on a build against that target's
# kernel instead (test.sh ARCH=arm64: the arm64 cross-build); findings in
# build/check-<target>/sparse.txt.
set -euo pipefail
. "$(dirname "$0")/common.sh"

sparse_target=debian
out=$SMR_BUILD/check
if [ "${1:-}" = --sparse ]; then
	sparse_target=${2:?usage: check.sh [--sparse <target>]}
	out=$SMR_BUILD/check-$sparse_target
fi

ksrc=$(kernel_source)
mkdir -p "$out"
cd "$SMR_ROOT"

sources() {
	find . \( -path ./build -o -name '.*' ! -name . \) -prune \
		-o -type f -name '*.[ch]' -print | sed 's|^\./||' | sort
}

run_checkpatch() {
	# shellcheck disable=SC2046 # file names have no spaces
	"$ksrc/scripts/checkpatch.pl" --strict --no-tree --terse --no-summary \
		--show-types -f $(sources) | grep -E ': (ERROR|WARNING|CHECK):' ||
		true
}

# make in the build/<target> copy; the KUnit objects (*_kunit.o) are not
# part of `modules` there (Debian's kernel has no KUnit), so they are
# named explicitly.
kmake() {
	local c kunit_objs=()
	for c in "$dir"/*_kunit.c; do
		kunit_objs+=("$(basename "$c" .c).o")
	done
	# shellcheck disable=SC2046 # target_make_args: words without spaces
	make -C "$kdir" $(target_make_args "$sparse_target") M="$dir" \
		-j"$SMR_JOBS" "$@" modules &&
		make -C "$kdir" $(target_make_args "$sparse_target") M="$dir" \
			-j"$SMR_JOBS" CONFIG_KUNIT=m "$@" "${kunit_objs[@]}" &&
		smr_sample_make "$sparse_target" "$kdir" "$dir" "$@"
}

run_sparse() {
	kdir=$(target_kdir "$sparse_target")
	dir=$(stage_sources "$sparse_target")
	# Compile first, so that the C=2 run prints sparse's output only.
	kmake >"$out/sparse-build.log" 2>&1 ||
		{ cat "$out/sparse-build.log" >&2; die "$sparse_target build failed"; }
	kmake C=2 >"$out/sparse.log" 2>&1 ||
		{ cat "$out/sparse.log" >&2; die "sparse run failed"; }
	# Reports located in the kernel's own headers (/usr/src/..., or the
	# source tree and build directory of a kernel built here) are not
	# ours to fix; every one located in our files counts.
	grep -E ': (warning|error):' "$out/sparse.log" |
		grep -v -e '^/usr/src/' -e "^$ksrc/" -e "^$kdir/" |
		sed "s|^$dir/||" || true
}

run_kernel_doc() {
	"$ksrc/scripts/kernel-doc" -none -Wall ./*.h 2>&1 |
		grep -iE 'warning|error' || true
}

run_smrstat() {
	"$SMR_ROOT/scripts/smrstat" --selftest 2>&1 | grep -v '^smrstat selftest: ok$' || true
}

run_bench_report() {
	python3 "$SMR_ROOT/scripts/bench-report.py" --selftest 2>&1 |
		grep -vE '^(ok: |selftest: [0-9]+ passed, 0 failed$)' || true
}

run_must_not_build() {
	"$SMR_ROOT/scripts/must-not-build.sh" 2>&1
}

# A finding: a model run whose outcome is not the expected one.
run_model_check() {
	"$SMR_ROOT/scripts/model-check.sh" >"$out/model-check.log" 2>&1 ||
		grep WRONG "$out/model-check.log" ||
		echo "model-check.sh failed: see $out/model-check.log"
}

run_abi_hash() {
	"$SMR_ROOT/scripts/abi-hash.sh" --check 2>&1 || true
}

if [ "$sparse_target" != debian ]; then
	run_sparse >"$out/sparse.txt"
	if [ -s "$out/sparse.txt" ]; then
		cat "$out/sparse.txt" >&2
		die "sparse ($sparse_target): $(wc -l <"$out/sparse.txt") findings"
	fi
	log "sparse ($sparse_target): 0 findings"
	exit 0
fi

for c in checkpatch sparse kernel_doc abi_hash smrstat bench_report must_not_build; do
	"run_$c" >"$out/$c.txt"
	if [ -s "$out/$c.txt" ]; then
		log "$c findings:"
		cat "$out/$c.txt" >&2
	fi
done
n() { wc -l <"$out/$1.txt"; }
log "checkpatch $(n checkpatch), sparse $(n sparse)," \
	"kernel-doc $(n kernel_doc), abi-hash $(n abi_hash)," \
	"smrstat $(n smrstat), bench-report $(n bench_report)," \
	"must-not-build $(n must_not_build) findings"
run_model_check >"$out/model_check.txt"
if [ -s "$out/model_check.txt" ]; then
	log "model_check findings:"
	cat "$out/model_check.txt" >&2
fi
log "model-check $(n model_check) findings"
[ "$(cat "$out"/*.txt | wc -l)" = 0 ] || die "static checks failed"
