#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) a UML kernel smr's modules are loaded into.
# Usage: uml-kernel.sh [kunit|bench]
#   kunit (default): scripts/configs/uml-kunit.config, the KUnit and
#          debugging kernel of make test and make demo;
#   bench: scripts/configs/uml-bench.config, the non-debug preemptible
#          kernel of make bench.
# The tree lives in $SMR_CACHE, keyed by the linux-source version and the
# hash of the config (uml-<ver>-<hash> for kunit, uml-bench-<ver>-<hash>);
# prints the build directory. Every CONFIG_X=... line of the config must
# survive olddefconfig, and every "# CONFIG_X is not set" line must stay
# unset.
set -euo pipefail
. "$(dirname "$0")/common.sh"

usage="usage: uml-kernel.sh [kunit|bench]"
flavour=${1:-kunit}
case $flavour in
kunit) name=uml ;;
bench) name=uml-bench ;;
*) die "$usage" ;;
esac
config=$SMR_ROOT/scripts/configs/uml-$flavour.config
src=$(kernel_source)
out=$(kernel_build_dir "$name" "$config")

if [ -f "$out/.smr-built" ]; then
	echo "$out"
	exit 0
fi

log "building UML $flavour kernel in $out (one-off, a few minutes)"
mkdir -p "$out"
grep -v '^#' "$config" > "$out/.config" || true
grep -E '^# CONFIG_[A-Za-z0-9_]+ is not set$' "$config" >> "$out/.config" || true
make -s -C "$src" O="$out" ARCH=um olddefconfig >&2

check_config "$config" "$out/.config"

make -s -C "$src" O="$out" ARCH=um -j"$SMR_JOBS" all >&2
touch "$out/.smr-built"
echo "$out"
