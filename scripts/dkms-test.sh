#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS as a user would run it (dkms.sh install) for Debian's 6.12 and 6.1
# cloud kernels, then what the README promises of the result: smr.ko and
# smr_torture.ko under /lib/modules/<kernel>/updates/dkms/ (with depmod
# run), the headers in /usr/src/smr-<version>/, the Module.symvers in
# /var/lib/dkms/smr/<version>/<kernel>/<arch>/, and the samples
# (samples/smr_lookup, samples/smr_flow) built against those two, as a
# consumer of the DKMS install would. The
# QEMU part (modprobe and a torture from that module tree) is qemu-run.sh's
# dkms scenario.
set -euo pipefail
. "$(dirname "$0")/common.sh"

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$SMR_ROOT/dkms.conf")
kvers=("$(debian_kver)" "$(debian_kver 61)")
"$SMR_ROOT/scripts/dkms.sh" install "${kvers[@]}"
for k in "${kvers[@]}"; do
	ls /lib/modules/"$k"/updates/dkms/smr.ko* /lib/modules/"$k"/updates/dkms/smr_torture.ko* >/dev/null ||
		die "dkms left no smr.ko or smr_torture.ko for $k"
	grep -q 'updates/dkms/smr\.ko' "/lib/modules/$k/modules.dep" ||
		die "depmod did not list smr for $k"
	symvers=/var/lib/dkms/smr/$version/$k/$(uname -m)/Module.symvers
	grep -q smr_domain_create "$symvers" || die "no smr exports in $symvers"
	for sample in $SMR_SAMPLES; do
		dir=$SMR_BUILD/dkms-consumer-$k/$sample
		rm -rf "$dir"
		mkdir -p "${dir%/*}"
		cp -r "$SMR_ROOT/samples/$sample" "$dir"
		out=$dir/build.log
		if ! make -C "$dir" KDIR="/lib/modules/$k/build" \
				SMR_DIR="/usr/src/smr-$version" SMR_SYMVERS="$symvers" \
				W=1 >"$out" 2>&1; then
			cat "$out" >&2
			die "$sample did not build against the DKMS install for $k (log: $out)"
		fi
		if grep -i 'warning:' "$out" >&2; then
			die "$sample built with warnings against the DKMS install for $k"
		fi
	done
	log "$k: modules installed, samples ($SMR_SAMPLES) built against /usr/src/smr-$version and $symvers"
done
