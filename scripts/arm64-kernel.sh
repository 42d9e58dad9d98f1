#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) an arm64 QEMU kernel (-M virt) from linux-source-6.12 with
# Debian's aarch64-linux-gnu cross compiler: Kconfig defaults plus
# scripts/configs/arm64-<variant>.config, then olddefconfig (common.sh's
# build_fragment_kernel). The tree lives in $SMR_CACHE, keyed like the
# x86 ones by the linux-source version and the fragment's hash; prints
# the build directory (the image in arch/arm64/boot/Image; also the KDIR
# for smr's modules, built with ARCH=arm64
# CROSS_COMPILE=aarch64-linux-gnu-).
# Usage: arm64-kernel.sh [debug]
set -euo pipefail
. "$(dirname "$0")/common.sh"

variant=${1:-debug}
command -v "${SMR_ARM64_CROSS}gcc" >/dev/null ||
	die "${SMR_ARM64_CROSS}gcc not found (scripts/deps.sh arm64 installs it)"
build_fragment_kernel "arm64-$variant" \
	"$SMR_ROOT/scripts/configs/arm64-$variant.config" \
	"arm64 $variant kernel (cross-compiled)" \
	ARCH=arm64 CROSS_COMPILE="$SMR_ARM64_CROSS"
