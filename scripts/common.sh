# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared settings for smr's scripts. Source it; do not run it.

SMR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SMR_CACHE=${SMR_CACHE:-$HOME/.cache/smr}
SMR_JOBS=${SMR_JOBS:-$(nproc)}
mkdir -p "$SMR_CACHE"
# make passes ARCH=$(ARCH), empty unless ARCH=arm64 was given: an empty
# ARCH in the environment would beat the kernel Makefile's ARCH ?= default
# (its build then looks for arch//Makefile).
[ -n "${ARCH:-}" ] || unset ARCH

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

# check_config <fragment> <.config>: refuse a kernel config where a
# requested option did not survive olddefconfig: the fragment's
# "CONFIG_X=v" lines must be there verbatim, its "# CONFIG_X is not set"
# ones must not be set.
check_config() {
	local fragment=$1 dotconfig=$2 opt
	while IFS= read -r opt; do
		grep -qx "$opt" "$dotconfig" || die "config option lost: $opt"
	done < <(grep '^CONFIG_' "$fragment")
	while IFS= read -r opt; do
		! grep -q "^$opt=" "$dotconfig" || die "config option set: $opt"
	done < <(sed -n 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1/p' "$fragment")
}

# Build directory for a kernel: keyed by source version and config hash.
kernel_build_dir() {
	local name=$1 config=$2 hash
	hash=$(sha256sum "$config" | cut -c1-12)
	echo "$SMR_CACHE/$name-$(src_version)-$hash"
}

# build_fragment_kernel <name> <fragment> <what> <make args...>: build
# (once) a kernel from linux-source-6.12 with Kconfig defaults plus the
# fragment, then olddefconfig, in kernel_build_dir <name> <fragment>, with
# the make arguments (ARCH=..., CROSS_COMPILE=...) on every make; a
# finished tree carries .smr-built. Logs <what> while it builds; prints
# the build directory. x86-kernel.sh and arm64-kernel.sh call it.
build_fragment_kernel() {
	local name=$1 config=$2 what=$3 src out t
	shift 3
	[ -f "$config" ] || die "no config fragment $config"
	src=$(kernel_source)
	out=$(kernel_build_dir "$name" "$config")
	if [ ! -f "$out/.smr-built" ]; then
		log "building $what in $out (one-off)"
		t=$SECONDS
		mkdir -p "$out"
		cp "$config" "$out/.config"
		make -s -C "$src" O="$out" "$@" olddefconfig >&2
		check_config "$config" "$out/.config"
		make -s -C "$src" O="$out" "$@" -j"$SMR_JOBS" all >&2
		touch "$out/.smr-built"
		log "$what built in $((SECONDS - t))s"
	fi
	echo "$out"
}

SMR_BUILD=$SMR_ROOT/build

# Prefix of Debian's arm64 cross toolchain (gcc-aarch64-linux-gnu).
SMR_ARM64_CROSS=aarch64-linux-gnu-

# debian_kdir [61|RT]: build directory of the Debian headers deps.sh
# settled on: 6.12 cloud (no argument), 6.1 cloud, or 6.12 PREEMPT_RT.
debian_kdir() {
	local pkg
	pkg=$("$SMR_ROOT/scripts/deps.sh" | sed -n "s/^SMR_HDR${1:-}_PKG=//p")
	[ -d "/usr/src/$pkg" ] || die "headers /usr/src/$pkg not found"
	echo "/usr/src/$pkg"
}

# debian_kver [61|RT]: the release (uname -r) of that Debian kernel.
debian_kver() {
	local pkg
	pkg=$("$SMR_ROOT/scripts/deps.sh" | sed -n "s/^SMR_IMG${1:-}_PKG=//p")
	pkg=${pkg#linux-image-}
	echo "${pkg%-unsigned}"
}

# Debian's kernel image of the same version as the headers, copied into
# the cache (with its config, beside it) once per package version; prints
# the vmlinuz path. Arg: as debian_kdir's (none: 6.12 cloud, 61, RT).
debian_vmlinuz() {
	local pkg ver kver dir
	pkg=$("$SMR_ROOT/scripts/deps.sh" | sed -n "s/^SMR_IMG${1:-}_PKG=//p")
	ver=$(dpkg-query -W -f='${Version}' "$pkg") ||
		die "$pkg is not installed"
	kver=$(debian_kver "$@")
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

# Kernel build directory for a target: uml (the KUnit UML kernel),
# uml-bench (the non-debug UML kernel of make bench), debian, debian61,
# debug, kcsan or rt (the last three are x86_64 QEMU kernels built by
# scripts/x86-kernel.sh; rt is the debug kernel on PREEMPT_RT), or arm64
# (the arm64 debug kernel of scripts/arm64-kernel.sh, cross-compiled).
target_kdir() {
	case $1 in
	uml) "$SMR_ROOT/scripts/uml-kernel.sh" ;;
	uml-bench) "$SMR_ROOT/scripts/uml-kernel.sh" bench ;;
	debian) debian_kdir ;;
	debian61) debian_kdir 61 ;;
	debian-rt) debian_kdir RT ;;
	debug | kcsan | rt) "$SMR_ROOT/scripts/x86-kernel.sh" "$1" ;;
	arm64) "$SMR_ROOT/scripts/arm64-kernel.sh" debug ;;
	*) die "unknown target '$1' (want uml, uml-bench, debian, debian61, debian-rt, debug, kcsan, rt or arm64)" ;;
	esac
}

# The sample consumers, each a directory under samples/.
SMR_SAMPLES="smr_lookup smr_flow"

# Build the sample consumers in <dir>/samples/<sample>/ out of tree, one
# after the other, against the smr.ko built in <dir>, exactly as a third
# party would: smr_sample_make <target> <kdir> <dir> [make args...].
smr_sample_make() {
	local target=$1 kdir=$2 dir=$3 sample
	shift 3
	for sample in $SMR_SAMPLES; do
		# shellcheck disable=SC2046 # target_make_args: words without spaces
		make -C "$dir/samples/$sample" KDIR="$kdir" \
			$(target_make_args "$target") SMR_DIR="$dir" \
			SMR_SYMVERS="$dir/Module.symvers" "$@" || return
	done
}

# Extra make arguments for a target.
target_make_args() {
	case $1 in
	uml | uml-bench) echo ARCH=um ;;
	arm64) echo ARCH=arm64 CROSS_COMPILE=$SMR_ARM64_CROSS ;;
	esac
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
# SMR_KUNIT_PASSES=1 runs pass 1 only (normal clock); /init announces the
# passes it runs, and kunit-verdict.sh judges exactly those.
init_kunit_passes() {
	local passes=${SMR_KUNIT_PASSES:-1 2}
	case $passes in "1 2" | 1) ;; *) die "SMR_KUNIT_PASSES='$passes': want '1 2' or 1" ;; esac
	printf "kunit_mods='%s'\nkunit_passes='%s'\n" "$*" "$passes"
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
mark "kunit passes: $kunit_passes"
kunit_pass 1 $params
[ "$kunit_passes" = 1 ] || kunit_pass 2 $params wrap_test=1
SH
}

# The /init text (busybox sh, after the mark and step helpers) of the
# bench scenario of uml-run.sh and qemu-run.sh: load smr.ko, then
# smr_bench.ko with the params (insmod returns at once, a kthread does
# the work), wait at most <limit> seconds for its "smr_bench: done" or
# "smr_bench: failed" line, print its results to the console between
# SMR-BENCH-BEGIN and SMR-BENCH-END, unload both. The wait blocks on
# /dev/kmsg rather than polling, so as not to disturb the measurements.
# Args: <limit> [smr_bench params...]
init_bench_body() {
	printf "limit=%s\nparams='%s'\n" "$1" "${*:2}"
	cat <<'SH'
bench_re='smr_bench: (done|failed)'
bench_wait() {  # bench_wait <seconds>
	t0=$(cut -d. -f1 /proc/uptime)
	timeout "$1" grep -qE "$bench_re" /dev/kmsg && return 0
	# grep also ends when the log overruns it: poll for the rest.
	while [ $(($(cut -d. -f1 /proc/uptime) - t0)) -lt "$1" ]; do
		dmesg | grep -qE "$bench_re" && return 0
		sleep 5
	done
	return 1
}
mark "bench begin, smr_bench params: $params, wait limit ${limit}s"
step "insmod smr" insmod /lib/smr/smr.ko
if insmod /lib/smr/smr_bench.ko $params; then
	mark "insmod smr_bench ok"
	if bench_wait "$limit"; then
		mark "bench finished ok"
	else
		mark "bench finished FAILED (no 'smr_bench: done' in ${limit}s)"
	fi
else
	mark "insmod smr_bench FAILED"
fi
echo SMR-BENCH-BEGIN
cat /sys/kernel/debug/smr_bench/results
echo SMR-BENCH-END
[ ! -d /sys/module/smr_bench ] || step "rmmod smr_bench" rmmod smr_bench
step "rmmod smr" rmmod smr
mark "bench end"
SH
}
