#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) an x86_64 QEMU kernel from linux-source-6.12: Kconfig
# defaults plus scripts/configs/x86-<variant>.config, then olddefconfig
# (common.sh's build_fragment_kernel; about 5 to 10 min on two cores).
# The tree lives in $SMR_CACHE, keyed by the linux-source version and the
# fragment's hash; prints the build directory (bzImage in
# arch/x86/boot/bzImage; also the KDIR for smr's modules).
# Usage: x86-kernel.sh <debug|kcsan|rt>
set -euo pipefail
. "$(dirname "$0")/common.sh"

variant=${1:?usage: x86-kernel.sh <debug|kcsan|rt>}
build_fragment_kernel "x86-$variant" \
	"$SMR_ROOT/scripts/configs/x86-$variant.config" \
	"x86_64 $variant kernel" ARCH=x86_64
