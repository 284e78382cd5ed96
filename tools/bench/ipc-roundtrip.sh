#!/usr/bin/env bash
# IPC round trip, deterministic: boots Keel under QEMU TCG with -icount
# shift=0 (the TSC advances one tick per instruction executed) with the root
# task in `bench=ipc` mode (vmm/root/ipc_bench.cpp): 1000 calls + replies to
# a portal whose handler is in another PD, 1000 to one in the caller's own
# PD, and the anchor's 3-instruction calibration loop.
#
#   tools/bench/ipc-roundtrip.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$root/tools/build.sh"
. "$root/tools/bench/icount-boot.sh"
keel_prepare >/dev/null

work=$(mktemp -d /tmp/keel-ipc-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/iso/boot/grub"
cp "$KEEL_BUILD/hypervisor/keel.elf" "$work/iso/boot/keel.elf"
cp "$KEEL_BUILD/vmm/keel-root.elf" "$work/iso/boot/keel-root.elf"
cat > "$work/iso/boot/grub/grub.cfg" <<'CFG'
set timeout=0
menuentry "Keel IPC benchmark" {
    multiboot2 /boot/keel.elf debug-exit=0xf4
    module2 /boot/keel-root.elf root bench=ipc
    boot
}
CFG
grub-mkrescue --locales= --fonts= --themes= -o "$work/bench.iso" "$work/iso" 2>/dev/null

echo "ipc-roundtrip: Keel root task, QEMU TCG -icount shift=0" >&2
keel_icount_boot ipc-roundtrip "$work/bench.iso" "$work/serial.log"
value() { sed -n "s/.*bench: $1: \([0-9]*\) ticks.*/\1/p" "$work/serial.log" | head -n1; }
cross=$(value "ipc call+reply to another PD")
same=$(value "ipc call+reply within the PD")
loop=$(value "calibration, 3-instruction loop")
[ -n "$cross" ] && [ -n "$same" ] && [ -n "$loop" ] || { echo "ipc-roundtrip: no results" >&2; cat "$work/serial.log" >&2; exit 1; }
per() { awk -v t="$1" 'BEGIN { printf "%.1f", t / 1000 }'; }
printf '%-48s %14s %16s\n' "path" "ticks/1000" "ticks per trip"
printf '%-48s %14s %16s\n' "Keel: call + reply, handler in another PD" "$cross" "$(per "$cross")"
printf '%-48s %14s %16s\n' "Keel: call + reply, handler in the same PD" "$same" "$(per "$same")"
printf '%-48s %14s %16s\n' "calibration, 3-instruction loop" "$loop" "$(per "$loop")"
