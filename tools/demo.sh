#!/usr/bin/env bash
# The demo: builds Keel, predicts what a measured launch must put into the
# TPM, then boots GRUB -> pre-launch stage -> (emulated) SKINIT -> Secure
# Loader Block -> hypervisor in QEMU with swtpm, and compares. The serial
# console is this terminal. Under QEMU the CPU's half of SKINIT is performed by
# keel-platform (tools/platform); on real AMD hardware the same ISO executes
# SKINIT itself.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/build.sh"
keel_prepare

keel="$KEEL_BUILD/tools/keel/keel"
platform="$KEEL_BUILD/tools/platform/keel-platform"
banks=sha1,sha256,sha384
work=$(mktemp -d /tmp/keel-demo.XXXXXX)  # short: it holds Unix sockets

echo "== keel measure: the prediction, from the images on the ISO =="
"$keel" measure --grub-cfg "$KEEL_BUILD/boot/keel-drtm.d/boot/grub/grub.cfg" --banks "$banks" \
  -o "$work/reference.json"

echo
echo "== booting $KEEL_BUILD/keel-drtm.iso: QEMU + swtpm ($banks), emulated SKINIT =="
set +e
"$platform" run --iso "$KEEL_BUILD/keel-drtm.iso" --state-dir "$work/platform" --banks "$banks" \
  --pcr-dump "$work/pcrs.json" | tee "$work/console.txt" | grep --line-buffered -av '^eventlog: [0-9a-f]*.$'
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 33 ]; then
  echo "keel: the boot did not finish (status $status; 35: kernel exception, 37: no SVM, 39: guest failed)"
  exit 1
fi

# The hypervisor printed the DRTM event log the SLB wrote, in hex.
perl -ne 'print pack("H*", $1) if /^eventlog: ([0-9a-f]+)\r?$/' "$work/console.txt" > "$work/eventlog.bin"
echo
echo "== keel eventlog: the log, replayed, next to the prediction and the TPM's PCRs =="
"$keel" eventlog "$work/eventlog.bin" --reference "$work/reference.json" --pcrs "$work/pcrs.json"
echo
echo "keel: demo finished; files in $work (reference.json, eventlog.bin, pcrs.json, console.txt)"
