#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) an x86_64 QEMU kernel from linux-source-6.12: Kconfig
# defaults plus scripts/configs/x86-<variant>.config, then olddefconfig.
# The tree lives in $SMR_CACHE, keyed by the linux-source version and the
# fragment's hash; prints the build directory (bzImage in
# arch/x86/boot/bzImage; also the KDIR for smr's modules).
# Usage: x86-kernel.sh <debug|kcsan|rt>
set -euo pipefail
. "$(dirname "$0")/common.sh"

variant=${1:?usage: x86-kernel.sh <debug|kcsan|rt>}
config=$SMR_ROOT/scripts/configs/x86-$variant.config
[ -f "$config" ] || die "no config fragment $config"
src=$(kernel_source)
out=$(kernel_build_dir "x86-$variant" "$config")

if [ -f "$out/.smr-built" ]; then
	echo "$out"
	exit 0
fi

log "building x86_64 $variant kernel in $out (one-off, about 10 min on two cores)"
t=$SECONDS
mkdir -p "$out"
cp "$config" "$out/.config"
make -s -C "$src" O="$out" ARCH=x86_64 olddefconfig >&2
check_config "$config" "$out/.config"
make -s -C "$src" O="$out" ARCH=x86_64 -j"$SMR_JOBS" all >&2
touch "$out/.smr-built"
log "x86_64 $variant kernel built in $((SECONDS - t))s"
echo "$out"
