#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole pipeline behind `make test` and CI, stopping at the first
# failing stage:
#   1. deps          install packages (scripts/deps.sh)
#   2. check         checkpatch, sparse, kernel-doc (scripts/check.sh)
#   3. debian build  W=1 build against Debian's 6.12 cloud headers
#   4. uml kernel    build the UML KUnit kernel once, then cached
#   5. uml build     W=1 build against the UML kernel
#   6. uml run       boot UML, two KUnit passes (scripts/uml-run.sh)
#   7. verdict       judge the console log (scripts/kunit-verdict.sh)
# The last line is "N passed, N failed" (KUnit cases, both passes).
set -euo pipefail
. "$(dirname "$0")/common.sh"

cd "$SMR_ROOT/scripts"
start=$SECONDS

# stage <name> <cmd...>: run one stage, report its time, stop on failure.
stage() {
	local name=$1 t=$SECONDS
	shift
	log "== $name"
	"$@" || die "stage '$name' failed after $((SECONDS - t))s"
	log "== $name: ok in $((SECONDS - t))s"
}

stage deps ./deps.sh >/dev/null
stage check ./check.sh
stage "debian build" ./build-modules.sh debian >/dev/null
stage "uml kernel" ./uml-kernel.sh >/dev/null
stage "uml build" ./build-modules.sh uml >/dev/null
stage "uml run" ./uml-run.sh kunit >/dev/null
log "== verdict (all stages before it took $((SECONDS - start))s)"
# exec: the verdict's "N passed, N failed" stays the last line.
exec ./kunit-verdict.sh "$SMR_BUILD/uml-kunit.log"
