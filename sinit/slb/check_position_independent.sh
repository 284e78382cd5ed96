#!/bin/sh
# Two build-time rules for the SLB (slb.elf, linked with --emit-relocs):
# 1. It runs wherever the pre-launch stage put it, with no relocation, so its
#    code may only address itself relative to RIP (or, in the 32-bit entry,
#    relative to the base in EBP). The header and the 32-bit entry use
#    link-time offsets on purpose (linked at 0, an offset is the symbol's
#    value); any other absolute or GOT relocation would point at address 0.
# 2. The core (what SKINIT measures) runs before the loader is measured, so
#    nothing in it may refer into the loader, except the loader's entry,
#    which it calls after measuring it.
set -eu
elf=$1
sym() { nm "$elf" | awk -v n="$1" '$3 == n { print $1 }'; }
lo=$(sym slb_header) hi=$(sym slb_start64) core_end=$(sym __core_end) loader_end=$(sym __measured_end)
loader_entry=$(sym slb_loader_main)
[ -n "$lo" ] && [ -n "$hi" ] && [ -n "$core_end" ] && [ -n "$loader_end" ] && [ -n "$loader_entry" ] ||
  { echo "check_position_independent: SLB symbols missing in $elf" >&2; exit 1; }
readelf -rW "$elf" | awk '
  /^Relocation section/ { section = $3; next }
  NF >= 5 && $3 ~ /^R_X86_64_/ { print section, $1, $3, $4, $5 }' |
{
  bad=0
  while read -r section offset type value symbol; do
    case $type in
      R_X86_64_64|R_X86_64_32|R_X86_64_32S|R_X86_64_16|R_X86_64_8|*GOT*)
        if [ "$section" = "'.rela.slb.core'" ] && [ $((0x$offset)) -ge $((0x$lo)) ] &&
           [ $((0x$offset)) -lt $((0x$hi)) ] && [ "${type#*GOT}" = "$type" ]; then
          :
        else
          echo "check_position_independent: absolute relocation $type at 0x$offset ($symbol) in $section" >&2
          bad=1
        fi ;;
    esac
    # The header's and entry's link-time constants (lengths, offsets) are not references.
    if [ "$section" = "'.rela.slb.core'" ] && [ $((0x$value)) -ge $((0x$core_end)) ] &&
       [ $((0x$value)) -lt $((0x$loader_end)) ] && [ "$value" != "$loader_entry" ] &&
       ! { [ $((0x$offset)) -ge $((0x$lo)) ] && [ $((0x$offset)) -lt $((0x$hi)) ]; }; then
      echo "check_position_independent: the core refers to $symbol (0x$value) in the loader, at 0x$offset" >&2
      bad=1
    fi
  done
  exit $bad
}
