#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The API's misuses that the build must refuse (make check): each
# tests/must-not-build/<case>.c makes one, and names in a
# "must-not-build: <extended regex>" line the compiler or sparse
# diagnostic it must get; correct_use.c ("must-build") does the same
# operations right and must build with no diagnostic at all.  Each case
# is compiled alone, as one object of a module, against Debian's 6.12
# headers with sparse (C=2).  Prints one line per case that did not go
# as intended (nothing when all did); the logs are in
# build/must-not-build/<case>/log.
set -euo pipefail
. "$(dirname "$0")/common.sh"

kdir=$(debian_kdir)
out=$SMR_BUILD/must-not-build
rm -rf "$out"
for src in "$SMR_ROOT"/tests/must-not-build/*.c; do
	name=$(basename "$src" .c)
	dir=$out/$name
	mkdir -p "$dir"
	cp "$src" "$dir/"
	cp "$SMR_ROOT"/*.h "$dir/"
	echo "obj-m := $name.o" >"$dir/Kbuild"
	rc=0
	make -C "$kdir" M="$dir" C=2 "$name.o" >"$dir/log" 2>&1 || rc=$?
	# Our file's diagnostics, not the kernel headers'.
	grep -E "^$dir/[^ ]*: (warning|error):" "$dir/log" >"$dir/ours" || true
	if grep -q '^ \* must-build$' "$src"; then
		[ "$rc" = 0 ] && [ ! -s "$dir/ours" ] ||
			echo "$name: the correct use did not build cleanly (rc $rc, $(wc -l <"$dir/ours") diagnostic(s))"
		continue
	fi
	want=$(sed -n 's/^ \* must-not-build: //p' "$src")
	[ -n "$want" ] || { echo "$name: no 'must-not-build:' line"; continue; }
	grep -qE "$want" "$dir/ours" ||
		echo "$name: built without '$want' (rc $rc)"
done
