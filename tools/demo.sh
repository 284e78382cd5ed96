#!/usr/bin/env bash
# The demo, the whole story: builds Keel; boots GRUB -> pre-launch stage ->
# (emulated) SKINIT -> Secure Loader Block -> hypervisor in QEMU with swtpm;
# the hypervisor's root task starts the management VM (TPM locality 0, the
# DRTM event log, QEMU's virtio-net-pci assigned to it, keel-agent inside)
# and a workload guest, both Debian's unmodified kernel under the Linux VMM.
# The verifier on this machine, outside QEMU, reaches the agent through a
# port QEMU forwards: keel enroll, then keel verify with a fresh nonce
# against keel measure's reference values (root task, VMM, each guest's
# kernel, initrd and the boot configuration among them); then everything
# shuts down. Under QEMU the CPU's half of SKINIT is performed by
# keel-platform (tools/platform); on real AMD hardware the ISO runs SKINIT.
#   tools/demo.sh [--tamper vmm-linux|kernel|config]
# --tamper boots a copy of the ISO with that component changed: the verifier
# says not trusted and names it.
set -euo pipefail
tamper=""
case "${1:-}" in
  "") ;;
  --tamper)
    tamper=${2:-}
    case $tamper in vmm-linux | kernel | config) ;; *)
      echo "usage: tools/demo.sh [--tamper vmm-linux|kernel|config]" >&2; exit 2 ;;
    esac ;;
  *) echo "usage: tools/demo.sh [--tamper vmm-linux|kernel|config]" >&2; exit 2 ;;
esac
. "$(dirname "${BASH_SOURCE[0]}")/build.sh"
keel_prepare

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
keel="$KEEL_BUILD/tools/keel/keel"
platform="$KEEL_BUILD/tools/platform/keel-platform"
tree="$KEEL_BUILD/boot/keel-demo-host.d"
iso="$KEEL_BUILD/keel-demo-host.iso"
banks=sha256
work=$(mktemp -d /tmp/keel-demo.XXXXXX)  # short: it holds Unix sockets
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
# Two free ports on this machine's loopback: the agent's and the VM's off switch.
read -r agent_port off_port < <(keel_free_ports 2)

if [ -n "$tamper" ]; then
  echo "== a copy of the ISO with its $tamper changed =="
  sh "$root/tools/tamper-iso.sh" "$tree" "$work/tampered.d" "$work/tampered.iso" "$tamper"
  iso="$work/tampered.iso"
fi

echo "== booting $iso: QEMU + swtpm ($banks), emulated SKINIT, QEMU's virtio-net-pci for the management VM =="
"$platform" run --iso "$iso" --state-dir "$work/platform" --banks "$banks" --serial "$work/console.txt" \
  --timeout 900 -- -smp 2 -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$agent_port-:7734,hostfwd=tcp:127.0.0.1:$off_port-:7735" \
  -device virtio-net-pci,netdev=n0,disable-legacy=on,iommu_platform=on,addr=0x4 2>"$work/platform.log" &
pids+=($!)
url="http://127.0.0.1:$agent_port"
for i in $(seq 600); do
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$work/platform.log"; echo "keel: the boot failed"; exit 1; }
  if grep -q "KEEL-MGMT serving" "$work/console.txt" 2>/dev/null &&
    curl -sf -o /dev/null --max-time 10 "$url/v1/identity"; then break; fi
  [ $((i % 10)) -eq 0 ] && echo "   ... $(grep -a -c '' "$work/console.txt" 2>/dev/null || echo 0) console lines so far"
  sleep 1
done
curl -sf -o /dev/null --max-time 10 "$url/v1/identity" || { echo "keel: the management VM's agent never answered"; exit 1; }
grep -a -E "^keel-slb|drtm:|iommu:|\[root\] root:|\[root\] \[(mgmt|work)\] vmm:|KEEL-(MGMT|WORKLOAD)" "$work/console.txt" |
  tr -d '\r' | sed 's/\\x0d$//'
# PCR 18 holds the memory map the hypervisor was handed: the prediction takes it from its console.
perl -ne 'print "$1\n" if /^mem: (0x[0-9a-f]+-0x[0-9a-f]+ .*?)\r?$/' "$work/console.txt" > "$work/memory-map.txt"

echo
echo "== keel measure: the prediction, from the clean ISO's images =="
"$keel" measure --grub-cfg "$tree/boot/grub/grub.cfg" --banks "$banks" --memory-map "$work/memory-map.txt" \
  -o "$work/reference.json"
echo "reference values for $(grep -c '"name"' "$work/reference.json" || true) components in $work/reference.json"

echo
echo "== keel enroll: EK certificate, AK attributes, credential activation (through the management VM's NIC) =="
"$keel" enroll --agent "$url" --host-id demo-host --db "$work/hosts.sqlite" --reference "$work/reference.json" \
  --ek-ca /var/lib/swtpm-localca/swtpm-localca-rootca-cert.pem --ek-ca /var/lib/swtpm-localca/issuercert.pem

echo
echo "== keel verify: a fresh nonce, the quote, the DRTM event log, the reference values =="
verdict=0
"$keel" verify --db "$work/hosts.sqlite" --host-id demo-host --agent "$url" || verdict=$?

echo
echo "== shutting down: the management VM powers off, then the hypervisor =="
(exec 3<>"/dev/tcp/127.0.0.1/$off_port") 2>/dev/null || true
for _ in $(seq 120); do kill -0 "${pids[0]}" 2>/dev/null || break; sleep 1; done
kill -0 "${pids[0]}" 2>/dev/null && { echo "keel: the host did not power off within 2 minutes"; exit 1; }
wait "${pids[0]}" || true
pids=()
grep -a -E "\[root\] root: |root task powered|vm: guest stopped" "$work/console.txt" | tr -d '\r' | tail -8
echo
if [ -z "$tamper" ]; then
  [ "$verdict" -eq 0 ] || { echo "keel: the verifier did not find the host trusted (exit $verdict)"; exit 1; }
  echo "keel: demo finished: the host is trusted; files in $work"
else
  [ "$verdict" -eq 1 ] || { echo "keel: with the $tamper changed the verifier said exit $verdict, not 1"; exit 1; }
  echo "keel: demo finished: with its $tamper changed the host is NOT trusted (above: the component named); files in $work"
fi
