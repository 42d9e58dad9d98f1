#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: build for UML, boot it, load smr.ko and smr_demo.ko (reader
# threads and a writer on a domain named "demo") and show the console
# between the demo's start and end markers, debugfs stats and clock
# included. Installs what is missing first (deps.sh), as `make test` does,
# so either command may come first on a fresh machine.
# Usage: demo.sh [smr_demo params, e.g. nreaders=4]
set -euo pipefail
. "$(dirname "$0")/common.sh"

"$SMR_ROOT/scripts/deps.sh" >/dev/null
"$SMR_ROOT/scripts/build-modules.sh" uml >/dev/null
console=$("$SMR_ROOT/scripts/uml-run.sh" demo "$@")
sed -n '/SMR-HARNESS: demo begin/,/SMR-HARNESS: demo end/p' "$console"
grep -q 'SMR-HARNESS: done' "$console" || die "demo did not finish"
if grep 'SMR-HARNESS: .*FAILED' "$console" >&2; then
	die "demo step failed (log: $console)"
fi
echo
echo "smrstat (scripts/smrstat --from, over the guest's snapshots of debugfs):"
"$SMR_ROOT/scripts/smrstat" --from "$SMR_BUILD/uml-root/tmp/smrstat"
cat <<'NEXT'

What next:
  make test     what CI runs: lint, builds, KUnit, torture, misuse (the
                first run also builds three test kernels; README.md)
  make bench    smr against RCU, SRCU and others, reports in bench/results/
  make help     every target
  scripts/smrstat  the table above, live, on a machine with smr.ko loaded
  README.md, "Using smr from your module": build your own consumer
NEXT
