#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the UML KUnit kernel smr's tests load modules into.
# The tree lives in $SMR_CACHE, keyed by the linux-source version and the
# hash of scripts/configs/uml-kunit.config; prints the build directory.
set -euo pipefail
. "$(dirname "$0")/common.sh"

config=$SMR_ROOT/scripts/configs/uml-kunit.config
src=$(kernel_source)
out=$(kernel_build_dir uml "$config")

if [ -f "$out/.smr-built" ]; then
	echo "$out"
	exit 0
fi

log "building UML kernel in $out (one-off, a few minutes)"
mkdir -p "$out"
grep -v '^#' "$config" > "$out/.config"
make -s -C "$src" O="$out" ARCH=um olddefconfig >&2

# Refuse a config where a requested option did not survive olddefconfig.
while IFS= read -r opt; do
	grep -qx "$opt" "$out/.config" || die "config option lost: $opt"
done < <(grep '^CONFIG_' "$config")

make -s -C "$src" O="$out" ARCH=um -j"$SMR_JOBS" all >&2
touch "$out/.smr-built"
echo "$out"
