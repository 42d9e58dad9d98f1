#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) an arm64 QEMU kernel (-M virt) from linux-source-6.12 with
# Debian's aarch64-linux-gnu cross compiler: Kconfig defaults plus
# scripts/configs/arm64-<variant>.config, then olddefconfig. The tree
# lives in $SMR_CACHE, keyed like the x86 ones by the linux-source version
# and the fragment's hash; prints the build directory (the image in
# arch/arm64/boot/Image; also the KDIR for smr's modules, built with
# ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-).
# Usage: arm64-kernel.sh [debug]
set -euo pipefail
. "$(dirname "$0")/common.sh"

variant=${1:-debug}
config=$SMR_ROOT/scripts/configs/arm64-$variant.config
[ -f "$config" ] || die "no config fragment $config"
src=$(kernel_source)
out=$(kernel_build_dir "arm64-$variant" "$config")

if [ -f "$out/.smr-built" ]; then
	echo "$out"
	exit 0
fi

command -v "${SMR_ARM64_CROSS}gcc" >/dev/null ||
	die "${SMR_ARM64_CROSS}gcc not found (scripts/deps.sh arm64 installs it)"
log "building arm64 $variant kernel in $out (one-off, cross-compiled)"
t=$SECONDS
mkdir -p "$out"
cp "$config" "$out/.config"
make -s -C "$src" O="$out" ARCH=arm64 CROSS_COMPILE="$SMR_ARM64_CROSS" \
	olddefconfig >&2
check_config "$config" "$out/.config"
make -s -C "$src" O="$out" ARCH=arm64 CROSS_COMPILE="$SMR_ARM64_CROSS" \
	-j"$SMR_JOBS" all >&2
touch "$out/.smr-built"
log "arm64 $variant kernel built in $((SECONDS - t))s"
echo "$out"
