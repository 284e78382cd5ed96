#!/usr/bin/env bash
# The management VM's network card under Keel against the same card given to
# the same guest by QEMU directly, in the same QEMU (TCG) on the same
# machine: Debian's cloud kernel with the management VM's initramfs
# (tools/guest/mgmt-agent-init.sh, whose port 7736 discards what it gets),
# QEMU's virtio-net-pci on its user-mode network with the port forwarded
# from this machine's loopback. Under Keel the card is assigned to the VM
# after the measured launch (build/keel-demo-host.iso: the IOMMU confines
# its DMA, the VMM relays its INTx); directly, QEMU's guest drives it with
# its own interrupts (MSI-X). Sends MIB MiB RUNS times to each and reports
# MiB/s per run and the medians.
#
#   tools/bench/net-throughput.sh [MIB [RUNS]]      (default 64, 3)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mib=${1:-64}
runs=${2:-3}
. "$root/tools/build.sh"
keel_prepare >/dev/null
work=$(mktemp -d /tmp/keel-net-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
read -r sink_port off_port < <(keel_free_ports 2)
net="user,id=n0,hostfwd=tcp:127.0.0.1:$sink_port-:7736,hostfwd=tcp:127.0.0.1:$off_port-:7735"
card="virtio-net-pci,netdev=n0,disable-legacy=on,iommu_platform=on,addr=0x4"

# send: MiB/s of one transfer of $mib MiB to the sink (until the guest closes).
send() {
  python3 - "$sink_port" "$mib" <<'PY'
import socket, sys, time
port, mib = int(sys.argv[1]), int(sys.argv[2])
chunk = b"\0" * 65536
s = socket.create_connection(("127.0.0.1", port))
t = time.monotonic()
for _ in range(mib * 16):
    s.sendall(chunk)
s.shutdown(socket.SHUT_WR)
while s.recv(4096):
    pass
print("%.1f" % (mib / (time.monotonic() - t)))
PY
}
# wait_for TEXT FILE: until FILE holds TEXT (10 min at most).
wait_for() {
  for _ in $(seq 600); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 1; done
  echo "net-throughput: '$1' never appeared in $2" >&2
  exit 1
}
measure() {
  local what=$1 serial=$2 r
  wait_for "KEEL-MGMT serving" "$serial"
  sleep 2
  for i in $(seq "$runs"); do
    # The guest's next listener takes a moment after the last transfer.
    for _ in 1 2 3 4 5; do sleep 2; r=$(send 2>/dev/null) && break; done
    echo "$what run $i: $r MiB/s"
    echo "$r" >> "$work/$what.mibs"
  done
  (exec 3<>"/dev/tcp/127.0.0.1/$off_port") 2>/dev/null || true
  wait "${pids[-1]}" 2>/dev/null || true
}
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "== under Keel: the card assigned to the management VM after the measured launch =="
"$KEEL_BUILD/tools/platform/keel-platform" run --iso "$KEEL_BUILD/keel-demo-host.iso" --state-dir "$work/platform" \
  --banks sha256 --serial "$work/keel.txt" --timeout 900 -- -netdev "$net" -device "$card" 2>"$work/platform.log" &
pids+=($!)
measure keel "$work/keel.txt"
grep -a "assigned device interrupts\|vm: exits" "$work/keel.txt" | grep -a "\[mgmt\]" | tr -d '\r' || true

echo "== directly: QEMU gives the same card to the same guest =="
qemu-system-x86_64 -accel tcg -cpu EPYC -m 512 -display none -no-reboot -machine q35 \
  -kernel "$KEEL_BUILD/guest/vmlinuz" -initrd "$KEEL_BUILD/guest/mgmt-agent.cpio" -append "console=ttyS0 panic=-1" \
  -serial "file:$work/direct.txt" -netdev "$net" -device "$card" >/dev/null 2>&1 &
pids+=($!)
measure direct "$work/direct.txt"

k=$(median "$work/keel.mibs") d=$(median "$work/direct.mibs")
echo "median: under Keel $k MiB/s, directly $d MiB/s, ratio $(awk -v k="$k" -v d="$d" 'BEGIN {printf "%.2f", k / d}')"
