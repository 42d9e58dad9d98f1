#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build smr's modules (see Kbuild) for one target kernel, with W=1, in a
# fresh copy of the sources under build/<target>/ so targets never share
# objects, then the sample consumers (samples/smr_lookup, samples/smr_flow)
# out of tree against it. Any compiler or modpost warning fails the build.
# Usage: build-modules.sh <uml|uml-bench|debian|debian61|debian-rt|debug|kcsan|rt|arm64>; prints the output
# directory.
set -euo pipefail
. "$(dirname "$0")/common.sh"

target=${1:?usage: build-modules.sh <uml|uml-bench|debian|debian61|debian-rt|debug|kcsan|rt|arm64>}
kdir=$(target_kdir "$target")
dir=$(stage_sources "$target")
out=$dir/build.log

log "building $target modules in $dir (KDIR=$kdir)"
# shellcheck disable=SC2046 # target_make_args: words without spaces
if ! make -C "$kdir" $(target_make_args "$target") M="$dir" W=1 \
		-j"$SMR_JOBS" modules >"$out" 2>&1; then
	cat "$out" >&2
	die "$target build failed (log: $out)"
fi
if ! smr_sample_make "$target" "$kdir" "$dir" W=1 >>"$out" 2>&1; then
	cat "$out" >&2
	die "$target sample build failed (log: $out)"
fi
if grep -i 'warning:' "$out" >&2; then
	die "$target build has warnings, see above (log: $out)"
fi
echo "$dir"
