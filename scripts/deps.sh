#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the smr build and test harness needs, once.
# Prints the name of the newest 6.12 cloud header package it settled on
# to stdout as "SMR_HDR_PKG=<pkg>", and the matching unsigned kernel image
# (booted under QEMU by scripts/qemu-run.sh debian) as "SMR_IMG_PKG=<pkg>",
# so callers can source it.  The newest 6.1 cloud headers (the secondary
# target) come out as "SMR_HDR61_PKG=<pkg>".
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PKGS=(build-essential bc flex bison libelf-dev libssl-dev cpio kmod xz-utils
      busybox-static sparse python3 linux-source-6.12 qemu-system-x86
      gnuplot-nox)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done

newest_pkg() {
	apt-cache search --names-only "$1" | awk '{print $1}' | sort -V | tail -n 1
}

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return
	apt-get update -qq >&2
	apt_updated=1
}

hdr=$(newest_pkg '^linux-headers-6\.12\.[0-9.]+\+deb[0-9]+-cloud-amd64$')
if [ -z "$hdr" ]; then
	apt_update
	hdr=$(newest_pkg '^linux-headers-6\.12\.[0-9.]+\+deb[0-9]+-cloud-amd64$')
fi
hdr61=$(newest_pkg '^linux-headers-6\.1\.0-[0-9]+-cloud-amd64$')
[ -n "$hdr61" ] || { apt_update; hdr61=$(newest_pkg '^linux-headers-6\.1\.0-[0-9]+-cloud-amd64$'); }
# The kernel image of the same version: its vmlinuz runs build/debian's
# modules under QEMU.
img=${hdr/linux-headers-/linux-image-}-unsigned
for p in "$hdr" "$img" "$hdr61"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}" >&2
	apt_update
	apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
		--no-install-recommends "${missing[@]}" >&2
fi
echo "SMR_HDR_PKG=$hdr"
echo "SMR_IMG_PKG=$img"
echo "SMR_HDR61_PKG=$hdr61"
