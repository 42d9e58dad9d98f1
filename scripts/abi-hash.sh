#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The layout hash of smr.h: the first 8 hex digits of the SHA-256 of what
# the inline reader and every consumer compile against -- each struct and
# enum definition and each #define, comments and blank lines left out
# (the SMR_ABI_SYMBOL line itself too). smr.h carries it in SMR_ABI_SYMBOL,
# smr_abi_<hash>: the symbol that smr.ko exports and that every
# module including smr.h references, so a module built against headers of
# another layout fails to load ("Unknown symbol smr_abi_...") instead of
# reading garbage.
# Usage: abi-hash.sh [--check|--update] [smr.h]
#   (none)    print the hash
#   --check   fail unless smr.h's SMR_ABI_SYMBOL carries the hash (make check)
#   --update  write the hash into smr.h's SMR_ABI_SYMBOL line
set -euo pipefail
. "$(dirname "$0")/common.sh"

mode=print
case ${1:-} in --check | --update) mode=${1#--}; shift ;; esac
header=${1:-$SMR_ROOT/smr.h}
[ -f "$header" ] || die "no such header: $header"

layout() {
	sed -e 's:/\*.*\*/::g' -e 's/[[:space:]]*$//' "$1" | awk '
		/^#define SMR_ABI_SYMBOL/ { next }
		/^[[:space:]]*\/?\*/ { next }		# comment lines
		/^(struct|enum) [a-z_]+ \{$/ { on = 1 }
		on { print }
		on && /^};$/ { on = 0; next }
		on { next }
		/^#define / || cont { print; cont = /\\$/ }'
}

hash=$(layout "$header" | sha256sum | cut -c1-8)
current=$(sed -n 's/^#define SMR_ABI_SYMBOL[[:space:]]*smr_abi_//p' "$header")
case $mode in
print) echo "$hash" ;;
check)
	[ -n "$current" ] || die "$header has no '#define SMR_ABI_SYMBOL smr_abi_...'"
	[ "$current" = "$hash" ] ||
		die "$header: SMR_ABI_SYMBOL is smr_abi_$current, its layout hashes to $hash; run scripts/abi-hash.sh --update"
	;;
update)
	[ -n "$current" ] || die "$header has no '#define SMR_ABI_SYMBOL smr_abi_...'"
	sed -i "s/^#define SMR_ABI_SYMBOL[[:space:]].*/#define SMR_ABI_SYMBOL\tsmr_abi_$hash/" "$header"
	log "SMR_ABI_SYMBOL smr_abi_$current -> smr_abi_$hash"
	;;
esac
