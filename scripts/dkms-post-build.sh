#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# DKMS POST_BUILD (dkms.conf): keep the build's Module.symvers beside the
# built modules, /var/lib/dkms/smr/<version>/<kernel>/<arch>/, where a
# consumer's KBUILD_EXTRA_SYMBOLS points. Runs in DKMS's build directory.
# Usage: dkms-post-build.sh <kernel version> <arch>
set -eu
dest=../$1/$2
[ -d "$dest" ] || { echo "dkms-post-build: no $dest" >&2; exit 1; }
cp Module.symvers "$dest/Module.symvers"
