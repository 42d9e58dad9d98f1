# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared settings for smr's scripts. Source it; do not run it.

SMR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SMR_CACHE=${SMR_CACHE:-$HOME/.cache/smr}
SMR_JOBS=${SMR_JOBS:-$(nproc)}
mkdir -p "$SMR_CACHE"

log() { printf '[%s] %s\n' "$(basename "$0" .sh)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Version of Debian's linux-source-6.12 package, the key for the source tree.
src_version() {
	dpkg-query -W -f='${Version}' linux-source-6.12
}

# Extract linux-source-6.12 into the cache once per package version and
# print the tree's path.
kernel_source() {
	local ver dir tarball
	ver=$(src_version) || die "linux-source-6.12 is not installed"
	dir=$SMR_CACHE/src-$ver
	if [ ! -f "$dir/.extracted" ]; then
		tarball=$(ls /usr/src/linux-source-6.12.tar.xz)
		log "extracting $tarball into $dir"
		rm -rf "$dir"
		mkdir -p "$dir"
		tar -C "$dir" --strip-components=1 -xJf "$tarball"
		touch "$dir/.extracted"
	fi
	echo "$dir"
}

# Build directory for a kernel: keyed by source version and config hash.
kernel_build_dir() {
	local name=$1 config=$2 hash
	hash=$(sha256sum "$config" | cut -c1-12)
	echo "$SMR_CACHE/$name-$(src_version)-$hash"
}

SMR_BUILD=$SMR_ROOT/build

# Build directory of the Debian 6.12 cloud headers deps.sh settled on.
# debian_kdir [61]: Debian's 6.12 (or 6.1) cloud headers build directory.
debian_kdir() {
	local pkg
	pkg=$("$SMR_ROOT/scripts/deps.sh" | sed -n "s/^SMR_HDR${1:-}_PKG=//p")
	[ -d "/usr/src/$pkg" ] || die "headers /usr/src/$pkg not found"
	echo "/usr/src/$pkg"
}

# Debian's cloud kernel image of the same version as the headers, copied
# into the cache (with its config, beside it) once per package version;
# prints the vmlinuz path.
debian_vmlinuz() {
	local pkg ver kver dir
	pkg=$("$SMR_ROOT/scripts/deps.sh" | sed -n 's/^SMR_IMG_PKG=//p')
	ver=$(dpkg-query -W -f='${Version}' "$pkg") ||
		die "$pkg is not installed"
	kver=${pkg#linux-image-}
	kver=${kver%-unsigned}
	dir=$SMR_CACHE/debian-$kver-$ver
	if [ ! -f "$dir/vmlinuz" ]; then
		[ -f "/boot/vmlinuz-$kver" ] || die "/boot/vmlinuz-$kver not found"
		mkdir -p "$dir"
		cp "/boot/config-$kver" "$dir/config"
		cp "/boot/vmlinuz-$kver" "$dir/vmlinuz.tmp"
		mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
	fi
	echo "$dir/vmlinuz"
}

# Kernel build directory for a target: uml, debian, debug or kcsan (the
# last two are x86_64 QEMU kernels built by scripts/x86-kernel.sh).
target_kdir() {
	case $1 in
	uml) "$SMR_ROOT/scripts/uml-kernel.sh" ;;
	debian) debian_kdir ;;
	debian61) debian_kdir 61 ;;
	debug | kcsan) "$SMR_ROOT/scripts/x86-kernel.sh" "$1" ;;
	*) die "unknown target '$1' (want uml, debian, debian61, debug or kcsan)" ;;
	esac
}

# Build the sample consumer in <dir>/samples/smr_lookup out of tree,
# against the smr.ko built in <dir>, exactly as a third party would:
# smr_sample_make <target> <kdir> <dir> [make args...].
smr_sample_make() {
	local target=$1 kdir=$2 dir=$3
	shift 3
	# shellcheck disable=SC2046 # target_make_args is zero or one word
	make -C "$dir/samples/smr_lookup" KDIR="$kdir" \
		$(target_make_args "$target") SMR_DIR="$dir" \
		SMR_SYMVERS="$dir/Module.symvers" "$@"
}

# Extra make arguments for a target.
target_make_args() {
	if [ "$1" = uml ]; then echo ARCH=um; fi
}

# Copy the module sources into a fresh build/<target>/; print its path.
stage_sources() {
	local dir=$SMR_BUILD/$1
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$SMR_ROOT/Kbuild" "$SMR_ROOT"/*.c "$SMR_ROOT"/*.h "$dir/"
	cp -r "$SMR_ROOT/samples" "$dir/"
	echo "$dir"
}

# Names of the KUnit modules (*_kunit.ko) built in build/<target>/.
kunit_modules() {
	local ko names=()
	for ko in "$SMR_BUILD/$1"/*_kunit.ko; do
		[ -f "$ko" ] && names+=("$(basename "$ko" .ko)")
	done
	[ ${#names[@]} -gt 0 ] || die "no KUnit modules in build/$1"
	echo "${names[*]}"
}

# The /init text (busybox sh, after the mark and step helpers) of the two
# KUnit passes: load smr.ko, load and unload each KUnit module in turn
# (its suites run at load and print KTAP), unload smr.ko, check that its
# debugfs directory is gone; pass 2 loads smr with wrap_test=1. Arg: the
# KUnit module names, space-separated; $params of /init go to smr.ko.
init_kunit_passes() {
	printf "kunit_mods='%s'\n" "$*"
	cat <<'SH'
kunit_pass() {  # kunit_pass <n> <smr params...>
	n=$1; shift
	mark "pass $n begin, smr params: $*; kunit modules: $kunit_mods"
	step "insmod smr" insmod /lib/smr/smr.ko "$@"
	for m in $kunit_mods; do
		mark "kunit $m begin"
		step "insmod $m" insmod /lib/smr/$m.ko
		step "rmmod $m" rmmod $m
	done
	step "rmmod smr" rmmod smr
	step "debugfs smr gone" test ! -e /sys/kernel/debug/smr
	mark "pass $n end"
}
kunit_pass 1 $params
kunit_pass 2 $params wrap_test=1
SH
}

