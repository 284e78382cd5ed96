#!/bin/sh
# Builds a tampered copy of a measured-launch ISO (for the launch tests and
# the demo's --tamper): the same tree with one thing changed, one byte or one
# word.
#   tamper-iso.sh SRC_DIR DST_DIR ISO WHAT
#   WHAT: hypervisor | module | cmdline | slb (its core, which SKINIT measures) | slb-loader
#         | vmm-linux | kernel (a Linux guest's bzImage) | config (the boot configuration)
# Bytes are changed inside printed text, so the tampered image still runs and
# the test can read its PCRs and event log.
set -eu
src=$1 dst=$2 iso=$3 what=$4
rm -rf "$dst"
cp -r "$src" "$dst"

# flip FILE TEXT: the first byte of TEXT's first occurrence in FILE, XOR 0x20
# (a letter's case).
flip() {
  offset=$(grep -obUaF "$2" "$1" | head -n 1 | cut -d: -f1)
  [ -n "$offset" ] || { echo "tamper-iso.sh: '$2' not found in $1" >&2; exit 1; }
  byte=$(od -An -tu1 -j "$offset" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((byte ^ 0x20)))" | dd of="$1" bs=1 seek="$offset" conv=notrunc status=none
}

case $what in
  hypervisor) flip "$dst/boot/keel.elf" "microhypervisor 0.1.0" ;;
  module) flip "$dst/boot/module_guest.bin" "module guest" ;;
  cmdline) sed -i 's/guest module-guest/guest module-guest tampered/' "$dst/boot/grub/grub.cfg"
           grep -q "module-guest tampered" "$dst/boot/grub/grub.cfg" ;;
  slb) flip "$dst/boot/keel-prelaunch.elf" "core running; measuring the loader" ;;
  slb-loader) flip "$dst/boot/keel-prelaunch.elf" "running at 0x" ;;
  vmm-linux) flip "$dst/boot/keel-vmm-linux.elf" "vmm: starting Linux guest" ;;
  kernel) flip "$dst/boot/vmlinuz" "debian-kernel@lists.debian.org" ;;  # its version text, in the setup code
  config) for f in "$dst"/boot/*.conf; do sed -i '1s/^#/# (tampered)/' "$f"; done  # the boot configuration's first comment
          grep -q "(tampered)" "$dst"/boot/*.conf ;;
  *) echo "tamper-iso.sh: unknown WHAT '$what'" >&2; exit 2 ;;
esac
grub-mkrescue --locales= --fonts= --themes= --compress=xz -o "$iso" "$dst" 2>"$dst.log" || { cat "$dst.log" >&2; exit 1; }
