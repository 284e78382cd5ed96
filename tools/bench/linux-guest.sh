#!/usr/bin/env bash
# A Linux guest under Keel against the same guest booted by QEMU directly,
# in the same QEMU (TCG) on the same machine: Debian's cloud kernel and a
# busybox initramfs (tools/bench/linux-guest-init.sh) that marks when /init
# runs, hashes 64 MiB (MD5, CPU-bound) between two marks with the guest's
# uptime, and powers off. Reports, per run and as medians: QEMU start to
# /init (wall clock, the serial file polled every 20 ms), the workload's
# time as the guest measured it, and under Keel the VM's exits by kind.
#
#   tools/bench/linux-guest.sh [RUNS]      (default 3)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
runs=${1:-3}
. "$root/tools/build.sh"
keel_prepare >/dev/null

work=$(mktemp -d /tmp/keel-linux-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
guest=$KEEL_BUILD/guest
"$root/tools/guest/make-initramfs.sh" "$guest/busybox" "$work/bench.cpio" --init "$root/tools/bench/linux-guest-init.sh"
cmdline="console=ttyS0 panic=-1"
mkdir -p "$work/iso/boot/grub"
cp "$KEEL_BUILD/hypervisor/keel.elf" "$KEEL_BUILD/vmm/keel-root.elf" "$KEEL_BUILD/vmm/keel-vmm-linux.elf" \
  "$guest/vmlinuz" "$work/bench.cpio" "$work/iso/boot/"
echo "linux bench mem=256 -- $cmdline" > "$work/iso/boot/keel.conf"
cat > "$work/iso/boot/grub/grub.cfg" <<'CFG'
set timeout=0
menuentry "Keel Linux guest benchmark" {
    multiboot2 /boot/keel.elf debug-exit=0xf4
    module2 /boot/keel-root.elf root
    module2 /boot/keel-vmm-linux.elf vmm-linux
    module2 /boot/vmlinuz kernel bench
    module2 /boot/bench.cpio initrd bench
    module2 /boot/keel.conf config
    boot
}
CFG
grub-mkrescue --locales= --fonts= --themes= -o "$work/bench.iso" "$work/iso" 2>/dev/null

qemu=(qemu-system-x86_64 -accel tcg -cpu EPYC,+svm,+npt -display none -no-reboot)
direct=("${qemu[@]}" -m 512 -kernel "$guest/vmlinuz" -initrd "$work/bench.cpio" -append "$cmdline"
        -serial "file:$work/serial.log")
keel=("${qemu[@]}" -m 1024 -device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom "$work/bench.iso"
      -serial "file:$work/serial.log")

# One boot: "INIT WORK" (seconds), or fails.
measure() {
  python3 - "$work/serial.log" "$@" <<'PY'
import os, re, subprocess, sys, time
serial, cmd = sys.argv[1], sys.argv[2:]
if os.path.exists(serial): os.remove(serial)
t0 = time.monotonic()
p = subprocess.Popen(["timeout", "300", *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
init = None
while p.poll() is None:
    time.sleep(0.02)
    if init is None and os.path.exists(serial) and "KEEL-BENCH-INIT" in open(serial, errors="replace").read():
        init = time.monotonic() - t0
text = open(serial, errors="replace").read()
up = [float(x) for x in re.findall(r"KEEL-BENCH-WORK-(?:START|END) UPTIME (\d+\.\d+)", text)]
if init is None or len(up) != 2:
    sys.exit("linux-guest: the guest did not reach its marks:\n" + text[-3000:])
print(f"{init:.2f} {up[1] - up[0]:.2f}")
PY
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: > "$work/direct.txt"
: > "$work/keel.txt"
for i in $(seq "$runs"); do
  measure "${direct[@]}" | tee -a "$work/direct.txt" | sed "s/^/direct run $i: init, work (s): /" >&2
  measure "${keel[@]}" | tee -a "$work/keel.txt" | sed "s/^/keel   run $i: init, work (s): /" >&2
done
exits=$(grep -o '\[bench\] vm: exits .*' "$work/serial.log" | sed 's/\[bench\] vm: exits //' | tr -s ' ' | paste -sd, -)
d_init=$(cut -d' ' -f1 "$work/direct.txt" | median) d_work=$(cut -d' ' -f2 "$work/direct.txt" | median)
k_init=$(cut -d' ' -f1 "$work/keel.txt" | median) k_work=$(cut -d' ' -f2 "$work/keel.txt" | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '%-52s %10s %10s %8s\n' "median of $runs runs (QEMU TCG)" "direct" "Keel" "ratio"
printf '%-52s %10s %10s %8s\n' "QEMU start to the guest's /init (s)" "$d_init" "$k_init" "$(ratio "$k_init" "$d_init")"
printf '%-52s %10s %10s %8s\n' "MD5 over 64 MiB in the guest (s, guest uptime)" "$d_work" "$k_work" "$(ratio "$k_work" "$d_work")"
echo "Keel run $runs, the VM's exits: $exits"
