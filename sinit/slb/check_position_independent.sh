#!/bin/sh
# The SLB runs wherever the pre-launch stage put it, with no relocation, so
# its code may only address itself relative to RIP (or, in the 32-bit entry,
# relative to the base in EBP). The header and the 32-bit entry use link-time
# offsets on purpose (linked at 0, an offset is the symbol's value); any other
# absolute or GOT relocation would silently point at the link address.
set -eu
elf=$1
lo=$(nm "$elf" | awk '$3 == "slb_header" { print $1 }')
hi=$(nm "$elf" | awk '$3 == "slb_start64" { print $1 }')
[ -n "$lo" ] && [ -n "$hi" ] || { echo "check_position_independent: entry symbols missing in $elf" >&2; exit 1; }
readelf -rW "$elf" | awk '
  /^Relocation section/ { section = $3; next }
  NF >= 3 && ($3 ~ /^R_X86_64_(64|32|32S|16|8)$/ || $3 ~ /GOT/) { print section, $1, $3, $5 }' |
{
  bad=0
  while read -r section offset type symbol; do
    if [ "$section" = "'.rela.slb'" ] && [ $((0x$offset)) -ge $((0x$lo)) ] && [ $((0x$offset)) -lt $((0x$hi)) ] &&
       [ "${type#*GOT}" = "$type" ]; then
      continue
    fi
    echo "check_position_independent: absolute relocation $type at 0x$offset ($symbol) in $section" >&2
    bad=1
  done
  exit $bad
}
