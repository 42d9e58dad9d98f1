#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check the Promela models under model/ with spin, one run at a time in
# build/model/: each correct model must verify with no errors, each
# busted variant (a barrier removed, spin -D...) must give an assertion
# violation with a trail.  Prints one line per run with spin's
# "states, stored" and the time; a run with the wrong outcome is marked
# WRONG and makes the script exit non-zero.  Installs spin if missing.
set -euo pipefail
. "$(dirname "$0")/common.sh"
export DEBIAN_FRONTEND=noninteractive

if ! command -v spin >/dev/null; then
	log "installing spin"
	apt-get update -qq >&2
	apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
		--no-install-recommends spin >&2
fi

dir=$SMR_BUILD/model
mkdir -p "$dir"

# <model> <expect: verify|violate> [-DMACRO...]
RUNS=(
	"smr_default verify"
	"smr_default violate -DNO_R1"
	"smr_default violate -DNO_R2"
	"smr_default violate -DNO_W"
	"smr_default violate -DNO_S1"
	"smr_default violate -DNO_S3"
	"smr_default violate -DNO_S2 -DNO_WR_ACQ"
	"smr_default violate -DEARLY"
	# Either S2 or the acquire of wr_seq in __smr_poll() is enough here.
	"smr_default verify -DNO_S2"
	"smr_default verify -DNO_WR_ACQ"
	"smr_lazy verify"
	"smr_lazy violate -DNO_LW"
	"smr_lazy violate -DNO_E1"
	"smr_lazy violate -DNO_E2"
	"smr_lazy violate -DNO_E3"
	"smr_lazy violate -DEARLY"
	# Lazy goals wait for a grace period that covers the whole section.
	"smr_lazy verify -DNO_R2"
	"smr_deferred verify"
	"smr_deferred violate -DNO_D"
	"smr_deferred violate -DEARLY"
	# D orders the goal owner's stores; the commit's ordering adds none.
	"smr_deferred verify -DNO_C"
	"smr_sleepable verify"
	"smr_sleepable violate -DNO_R1s"
	"smr_sleepable violate -DNO_R2s"
	"smr_sleepable violate -DNO_P"
	"smr_sleepable violate -DNO_STEP1"
	"smr_sleepable violate -DEARLY"
	# F bounds the sections entering the old phase late; safety needs none.
	"smr_sleepable verify -DNO_F"
	"smr_wrap verify"
	"smr_wrap violate -DNO_GUARD"
	"smr_wrap violate -DLAP"
)

wrong=0
for r in "${RUNS[@]}"; do
	read -r model expect defs <<<"$r"
	name="$model${defs:+ ${defs//-D/}}"
	rm -rf "$dir/run"
	mkdir "$dir/run"
	cp "$SMR_ROOT/model/$model.pml" "$dir/run/"
	start=$(date +%s.%N)
	# shellcheck disable=SC2086 # defs is a list of options
	(cd "$dir/run" && spin -a $defs "$model.pml" >spin.log 2>&1 &&
		gcc -O2 -DSAFETY -o pan pan.c >gcc.log 2>&1 &&
		{ ./pan -w20 -m100000 >pan.log 2>&1 || true; }) ||
		{ echo "$name: WRONG: spin -a or gcc failed"; wrong=$((wrong + 1))
		  cat "$dir/run"/*.log >&2; continue; }
	t=$(echo "$start $(date +%s.%N)" | awk '{printf "%.2f", $2 - $1}')
	log=$dir/run/pan.log
	states=$(sed -n 's/^ *\([0-9]*\) states, stored.*/\1/p' "$log")
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$log")
	if [ "${errors:-x}" = 0 ] && ! grep -q 'search depth too small' "$log"; then
		got=verify
	elif grep -q 'assertion violated' "$log" &&
		[ -f "$dir/run/$model.pml.trail" ]; then
		got=violate
	else
		got="other ($(grep -m1 -E 'pan:|error' "$log" || echo '?'))"
	fi
	verdict=ok
	if [ "$got" != "$expect" ]; then
		verdict=WRONG
		wrong=$((wrong + 1))
	fi
	echo "$name: $verdict: expected $expect, got $got, ${states:-?} states stored, ${t}s"
	# Keep each run's files (the trail of a violation) for reading.
	rm -rf "${dir:?}/$model${defs:+${defs// /}}"
	mv "$dir/run" "$dir/$model${defs:+${defs// /}}"
done
[ "$wrong" = 0 ] || die "$wrong model runs with the wrong outcome"
