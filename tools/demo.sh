#!/usr/bin/env bash
# The demo: builds Keel, predicts what a measured launch must put into the
# TPM, boots GRUB -> pre-launch stage -> (emulated) SKINIT -> Secure Loader
# Block -> hypervisor in QEMU with swtpm, and while the hypervisor runs,
# attests it: keel-agent quotes the TPM, keel enroll and keel verify appraise
# the quote and the DRTM event log against the prediction. Under QEMU the
# CPU's half of SKINIT is performed by keel-platform (tools/platform); on real
# AMD hardware the same ISO executes SKINIT itself.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/build.sh"
keel_prepare

keel="$KEEL_BUILD/tools/keel/keel"
agent="$KEEL_BUILD/attestation/agent/keel-agent"
platform="$KEEL_BUILD/tools/platform/keel-platform"
banks=sha1,sha256,sha384
work=$(mktemp -d /tmp/keel-demo.XXXXXX)  # short: it holds Unix sockets
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

echo "== keel measure: the prediction, from the images on the ISO =="
"$keel" measure --grub-cfg "$KEEL_BUILD/boot/keel-drtm-hold.d/boot/grub/grub.cfg" --banks "$banks" \
  -o "$work/reference.json"

echo
echo "== booting $KEEL_BUILD/keel-drtm-hold.iso: QEMU + swtpm ($banks), emulated SKINIT =="
"$platform" run --iso "$KEEL_BUILD/keel-drtm-hold.iso" --state-dir "$work/platform" --banks "$banks" \
  --serial "$work/console.txt" --timeout 600 2>"$work/platform.log" &
pids+=($!)
for _ in $(seq 600); do
  grep -q "keel: holding for inspection" "$work/console.txt" 2>/dev/null && break
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$work/platform.log"; echo "keel: the boot failed"; exit 1; }
  sleep 0.2
done
grep -av '^eventlog: ' "$work/console.txt" || true
grep -q "keel: holding for inspection" "$work/console.txt" || { echo "keel: the boot did not finish"; exit 1; }
# The hypervisor printed the DRTM event log the SLB wrote, in hex.
perl -ne 'print pack("H*", $1) if /^eventlog: ([0-9a-f]+)\r?$/' "$work/console.txt" > "$work/drtm.bin"

echo
echo "== keel-agent: the host's TPM through keel-platform's tpm.sock (locality 0) =="
"$agent" serve --tcti "cmd:socat - UNIX-CONNECT:$work/platform/tpm.sock" --drtm-log "$work/drtm.bin" \
  --listen 127.0.0.1:0 >"$work/agent.out" 2>"$work/agent.err" &
pids+=($!)
for _ in $(seq 300); do grep -q "serving on" "$work/agent.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$work/agent.out") || { cat "$work/agent.err"; exit 1; }
cat "$work/agent.out"

echo
echo "== keel enroll: EK certificate, AK attributes, credential activation =="
"$keel" enroll --agent "$url" --host-id demo-host --db "$work/hosts.sqlite" --reference "$work/reference.json" \
  --ek-ca /var/lib/swtpm-localca/swtpm-localca-rootca-cert.pem --ek-ca /var/lib/swtpm-localca/issuercert.pem

echo
echo "== keel verify: a fresh quote, the DRTM event log, the reference values =="
"$keel" verify --db "$work/hosts.sqlite" --host-id demo-host --agent "$url"

echo
echo "keel: demo finished; files in $work (reference.json, drtm.bin, hosts.sqlite, console.txt)"
