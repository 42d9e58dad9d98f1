#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A consumer built against smr headers of another layout, for the abi
# scenario of qemu-run.sh: copies build/<target>/ to build/<target>-abi/,
# adds a field to struct smr in that copy's smr.h and updates its layout
# hash (abi-hash.sh --update), then builds samples/smr_lookup there against
# the real build's Module.symvers, as a consumer with stale headers would.
# modpost must name the symbol it cannot find (smr_abi_<new hash>; the
# build goes on with KBUILD_MODPOST_WARN=1 so that the module exists); the
# result stays in build/<target>-abi/samples/smr_lookup/smr_lookup.ko,
# where qemu-run.sh's abi scenario takes it from (build-modules.sh starts
# build/<target>/ afresh, so nothing is left there).
# Usage: abi-mismatch.sh <target> (after build-modules.sh <target>)
set -euo pipefail
. "$(dirname "$0")/common.sh"

target=${1:?usage: abi-mismatch.sh <target>}
good=$SMR_BUILD/$target
[ -f "$good/Module.symvers" ] || die "no $good/Module.symvers: run build-modules.sh $target first"
kdir=$(target_kdir "$target")
dir=$SMR_BUILD/$target-abi
rm -rf "$dir"
cp -r "$good" "$dir"
make -s -C "$dir/samples/smr_lookup" KDIR="$kdir" clean >/dev/null 2>&1 || true

# One more field at the end of struct smr: every offset the inline reader
# uses stays, but the size and the hash change.
awk '/^struct smr \{$/ { on = 1 }
	on && /^};$/ { print "\tunsigned long abi_mismatch_test;"; on = 0 }
	{ print }' "$good/smr.h" >"$dir/smr.h"
cmp -s "$good/smr.h" "$dir/smr.h" && die "could not change struct smr in the copy of smr.h"
"$SMR_ROOT/scripts/abi-hash.sh" --update "$dir/smr.h" 2>/dev/null
old=$("$SMR_ROOT/scripts/abi-hash.sh" "$good/smr.h")
new=$("$SMR_ROOT/scripts/abi-hash.sh" "$dir/smr.h")
[ "$old" != "$new" ] || die "the layout hash did not change ($old)"

out=$dir/abi.log
# shellcheck disable=SC2046 # target_make_args is zero or one word
if ! make -C "$dir/samples/smr_lookup" KDIR="$kdir" \
		$(target_make_args "$target") SMR_DIR="$dir" \
		SMR_SYMVERS="$good/Module.symvers" KBUILD_MODPOST_WARN=1 \
		>"$out" 2>&1; then
	cat "$out" >&2
	die "the mismatched sample did not build (log: $out)"
fi
grep -q "\"smr_abi_$new\" \[.*\] undefined" "$out" ||
	die "modpost did not report smr_abi_$new undefined (log: $out)"
log "smr_lookup built against layout $new (smr.ko has $old): modpost reported smr_abi_$new undefined"
