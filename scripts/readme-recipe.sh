#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run README.md's consumer recipe as written: the ```sh block after the
# line "these four lines build", with only its first two lines (SMR= and
# KDIR=) set to a fresh copy of this checkout under build/recipe/ and to
# Debian's 6.12 cloud headers. It must build smr.ko, leave Module.symvers
# where the README's table says a plain `make` leaves it, and build
# samples/smr_lookup/smr_lookup.ko against it without a warning. Also
# checks that the two commands README.md names are targets of the
# Makefile.
set -euo pipefail
. "$(dirname "$0")/common.sh"

readme=$SMR_ROOT/README.md
recipe=$(awk '/these four lines build/ { found = 1 }
	found && /^```sh$/ { on = 1; next }
	on && /^```$/ { exit }
	on { print }' "$readme")
[ -n "$recipe" ] || die "no recipe block after 'these four lines build' in README.md"
[ "$(wc -l <<<"$recipe")" = 4 ] || die "README.md's recipe is not four lines"
head -n 1 <<<"$recipe" | grep -q '^SMR=' || die "README.md's recipe does not start with SMR="
sed -n 2p <<<"$recipe" | grep -q '^KDIR=' || die "README.md's recipe line 2 is not KDIR="

for cmd in demo test; do
	grep -q "^make $cmd " "$readme" || die "README.md does not show 'make $cmd'"
	grep -q "^$cmd:" "$SMR_ROOT/Makefile" || die "Makefile has no '$cmd' target"
done

dir=$SMR_BUILD/recipe
rm -rf "$dir"
mkdir -p "$dir"
cp "$SMR_ROOT/Kbuild" "$SMR_ROOT/Makefile" "$SMR_ROOT"/*.c "$SMR_ROOT"/*.h "$dir/"
cp -r "$SMR_ROOT/samples" "$dir/"
kdir=$(debian_kdir)
log "README recipe with SMR=$dir KDIR=$kdir"
out=$dir.log
if ! { printf 'SMR=%q\nKDIR=%q\n' "$dir" "$kdir"
	tail -n +3 <<<"$recipe"; } | bash -euo pipefail >"$out" 2>&1; then
	cat "$out" >&2
	die "README.md's recipe failed (log: $out)"
fi
if grep -i 'warning:' "$out" >&2; then
	die "README.md's recipe built with warnings (log: $out)"
fi
for f in smr.ko Module.symvers samples/smr_lookup/smr_lookup.ko; do
	[ -f "$dir/$f" ] || die "README.md's recipe left no $f"
done
log "README recipe: ok"
