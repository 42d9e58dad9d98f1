#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make dkms-install` and `make dkms-remove`: smr under DKMS (dkms.conf).
#   install [kernel...]  copy the sources to /usr/src/smr-<version>/, then
#                        dkms add, build and install for each kernel
#                        (default: the running one); a previous add of the
#                        same version is removed first
#   remove               dkms remove smr/<version> --all, and the sources
# Installs the dkms package if it is missing. What ends up where:
#   /lib/modules/<kernel>/updates/dkms/smr.ko*, smr_torture.ko*
#   /usr/src/smr-<version>/smr.h, smr_queue.h, smr_hash.h, smr_shash.h
#                        (for consumers)
#   /var/lib/dkms/smr/<version>/<kernel>/<arch>/Module.symvers
set -euo pipefail
. "$(dirname "$0")/common.sh"

usage="usage: dkms.sh install [kernel...] | remove"
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$SMR_ROOT/dkms.conf")
[ -n "$version" ] || die "no PACKAGE_VERSION in dkms.conf"
src=/usr/src/smr-$version

if ! command -v dkms >/dev/null; then
	log "installing dkms"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		-o DPkg::Lock::Timeout=600 --no-install-recommends dkms >&2
fi

remove() {
	local status
	status=$(dkms status smr/"$version" 2>/dev/null || true)
	[ -z "$status" ] || dkms remove smr/"$version" --all >&2
	rm -rf "$src"
}

case ${1:-} in
install)
	shift
	[ $# -gt 0 ] || set -- "$(uname -r)"
	remove
	mkdir -p "$src/scripts"
	cp "$SMR_ROOT"/{Kbuild,Makefile,dkms.conf} "$SMR_ROOT"/*.c "$SMR_ROOT"/*.h "$src/"
	cp "$SMR_ROOT/scripts/dkms-post-build.sh" "$src/scripts/"
	dkms add smr/"$version" >&2
	for k in "$@"; do
		[ -d "/lib/modules/$k/build" ] ||
			die "no headers for $k (/lib/modules/$k/build)"
		dkms build smr/"$version" -k "$k" >&2
		dkms install smr/"$version" -k "$k" >&2
		log "installed smr $version for $k: $(ls /lib/modules/"$k"/updates/dkms/smr.ko*)"
	done
	;;
remove) remove ;;
*) die "$usage" ;;
esac
