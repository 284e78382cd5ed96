#!/usr/bin/env bash
# VM-exit round trip, deterministic: boots Keel under QEMU TCG with
# -icount shift=0 (the guest TSC advances one tick per instruction executed
# at any level) and runs the KVM anchor's own guest (guest.asm: 1000 CPUID
# exits timed with RDTSC, result on port 0x10; a 3-instruction calibration
# loop on port 0x11) as a Keel guest, handed over as a Multiboot2 module: the
# root task starts the user-level VMM for it, which serves every exit
# through its portals in ring 3.
# The anchor itself (the same guest under Linux KVM, in-kernel CPUID
# handling) runs in the same invocation unless --keel-only is given.
#
#   tools/bench/exit-roundtrip.sh [--keel-only] [ANCHOR_DIR]
#
# ANCHOR_DIR defaults to ../shared/bench/kvm-exit-anchor beside the clone.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
with_kvm=1
if [ "${1:-}" = "--keel-only" ]; then with_kvm=0; shift; fi
anchor=${1:-$root/../shared/bench/kvm-exit-anchor}
[ -f "$anchor/guest.asm" ] || { echo "exit-roundtrip: no guest.asm in $anchor" >&2; exit 2; }

. "$root/tools/build.sh"
. "$root/tools/bench/icount-boot.sh"
KEEL_PACKAGES+=(nasm)
[ $with_kvm = 1 ] && KEEL_PACKAGES+=(cpio xxd)
keel_prepare >/dev/null

work=$(mktemp -d /tmp/keel-exit-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/iso/boot/grub"
nasm -f bin "$anchor/guest.asm" -o "$work/iso/boot/exit-bench.bin"
cp "$KEEL_BUILD/hypervisor/keel.elf" "$work/iso/boot/keel.elf"
cp "$KEEL_BUILD/vmm/keel-root.elf" "$KEEL_BUILD/vmm/keel-vmm.elf" "$work/iso/boot/"
echo "vm exit-bench" > "$work/iso/boot/keel.conf"
cat > "$work/iso/boot/grub/grub.cfg" <<'CFG'
set timeout=0
menuentry "Keel exit benchmark" {
    multiboot2 /boot/keel.elf debug-exit=0xf4
    module2 /boot/keel-root.elf root
    module2 /boot/keel-vmm.elf vmm
    module2 /boot/exit-bench.bin guest exit-bench
    module2 /boot/keel.conf config
    boot
}
CFG
grub-mkrescue --locales= --fonts= --themes= -o "$work/bench.iso" "$work/iso" 2>/dev/null

echo "exit-roundtrip: Keel, guest $(basename "$anchor")/guest.asm, QEMU TCG -icount shift=0" >&2
keel_icount_boot exit-roundtrip "$work/bench.iso" "$work/serial.log"
value() { sed -n "s/.*vmm: guest wrote 0x\([0-9a-f]*\) to port $1 .*/\1/p" "$work/serial.log" | head -n1; }
cpuid_hex=$(value 0x10)
loop_hex=$(value 0x11)
[ -n "$cpuid_hex" ] && [ -n "$loop_hex" ] || { echo "exit-roundtrip: no results in the serial log" >&2; cat "$work/serial.log" >&2; exit 1; }
keel_cpuid=$((16#$cpuid_hex))
keel_loop=$((16#$loop_hex))

kvm_cpuid="" kvm_loop=""
if [ $with_kvm = 1 ]; then
  echo "exit-roundtrip: KVM anchor ($anchor/run.sh): downloads Debian's cloud kernel once, boots it" >&2
  kvm_out=$(bash "$anchor/run.sh")
  kvm_cpuid=$(echo "$kvm_out" | sed -n 's/.*port 0x10: \([0-9]*\) ticks.*/\1/p')
  kvm_loop=$(echo "$kvm_out" | sed -n 's/.*port 0x11: \([0-9]*\) ticks.*/\1/p')
fi

per() { awk -v t="$1" 'BEGIN { printf "%.1f", t / 1000 }'; }
printf '%-44s %14s %16s\n' "path" "ticks/1000" "ticks per trip"
printf '%-44s %14s %16s\n' "Keel: CPUID exit to the user-level VMM and back" "$keel_cpuid" "$(per "$keel_cpuid")"
[ -n "$kvm_cpuid" ] && printf '%-44s %14s %16s\n' "KVM: CPUID exit, in-kernel handling" "$kvm_cpuid" "$(per "$kvm_cpuid")"
printf '%-44s %14s %16s\n' "calibration, 3-instruction loop (Keel run)" "$keel_loop" "$(per "$keel_loop")"
[ -n "$kvm_loop" ] && printf '%-44s %14s %16s\n' "calibration, 3-instruction loop (KVM run)" "$kvm_loop" "$(per "$kvm_loop")"
exit 0
