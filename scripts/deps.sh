#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the smr build and test harness needs, once.
# Prints, so that callers can source it, the Debian kernels it settled on
# (the newest of each, found with apt-cache), each as its header package
# and the matching unsigned image (booted under QEMU by qemu-run.sh):
#   SMR_HDR_PKG, SMR_IMG_PKG       6.12 cloud (qemu-run.sh debian)
#   SMR_HDR61_PKG, SMR_IMG61_PKG   6.1 cloud, Debian 12's default kernel
#                                  (debian61)
#   SMR_HDRRT_PKG, SMR_IMGRT_PKG   6.12 PREEMPT_RT (debian-rt)
# `deps.sh arm64` also installs what the arm64 target needs: the cross
# compiler and qemu-system-aarch64, and it adds arm64 as a foreign dpkg
# architecture (an apt-get update once) so that qemu-run.sh can fetch
# busybox-static:arm64 with apt-get download. Plain runs skip all of it.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

arm64=
case ${1:-} in
"") ;;
arm64) arm64=1 ;;
*) echo "usage: deps.sh [arm64]" >&2; exit 1 ;;
esac

PKGS=(build-essential bc flex bison libelf-dev libssl-dev cpio kmod xz-utils
      busybox-static sparse python3 linux-source-6.12 qemu-system-x86
      gnuplot-nox dkms spin)
[ -z "$arm64" ] || PKGS+=(gcc-aarch64-linux-gnu qemu-system-arm)

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

# newest_or_update <regex>: the newest package matching, after an apt-get
# update if none does yet.
newest_or_update() {
	local pkg
	pkg=$(newest_pkg "$1")
	if [ -z "$pkg" ]; then
		apt_update
		pkg=$(newest_pkg "$1")
	fi
	[ -n "$pkg" ] || { echo "deps: no package matches $1" >&2; exit 1; }
	echo "$pkg"
}

hdr=$(newest_or_update '^linux-headers-6\.12\.[0-9.]+\+deb[0-9]+-cloud-amd64$')
hdr61=$(newest_or_update '^linux-headers-6\.1\.0-[0-9]+-cloud-amd64$')
hdrrt=$(newest_or_update '^linux-headers-6\.12\.[0-9.]+\+deb[0-9]+-rt-amd64$')
# The kernel images of the same versions: their vmlinuz runs the modules
# built against those headers under QEMU.
img=${hdr/linux-headers-/linux-image-}-unsigned
img61=${hdr61/linux-headers-/linux-image-}-unsigned
imgrt=${hdrrt/linux-headers-/linux-image-}-unsigned
for p in "$hdr" "$img" "$hdr61" "$img61" "$hdrrt" "$imgrt"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done

# busybox-static:arm64 must be known to apt (qemu-run.sh downloads it).
arm64_busybox_known() {
	# Not a pipe into grep -q: apt-cache killed by SIGPIPE fails pipefail.
	grep -q 'Candidate: [^(]' < <(apt-cache policy busybox-static:arm64 2>/dev/null)
}
if [ -n "$arm64" ]; then
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		echo "deps: adding the arm64 architecture" >&2
		dpkg --add-architecture arm64
		apt_updated=
	fi
	arm64_busybox_known || apt_update
	arm64_busybox_known || { echo "deps: apt knows no busybox-static:arm64" >&2; exit 1; }
fi

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}" >&2
	apt_update
	apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
		--no-install-recommends "${missing[@]}" >&2
fi
echo "SMR_HDR_PKG=$hdr"
echo "SMR_IMG_PKG=$img"
echo "SMR_HDR61_PKG=$hdr61"
echo "SMR_IMG61_PKG=$img61"
echo "SMR_HDRRT_PKG=$hdrrt"
echo "SMR_IMGRT_PKG=$imgrt"
