#!/usr/bin/env bash
# Launch figures (../shared/docs/benchmarks.md, "Launch"): the SLB's measured
# lengths, and the time from the pre-launch stage's SKINIT request to the
# hypervisor's first console line under the platform emulator, over RUNS
# boots (default 5) with a TPM of BANKS (default sha256).
#
#   tools/bench/launch-time.sh [RUNS] [BANKS]
#
# Times are host wall-clock, taken by polling the console file every 5 ms:
# they include QEMU's software emulation and say nothing about SKINIT on
# hardware, where the TPM's hashing speed over LPC/SPI dominates.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
runs=${1:-5}
banks=${2:-sha256}
. "$root/tools/build.sh"
keel_prepare >/dev/null

read -r _ core _ image < <(od -An -tu2 -N8 "$KEEL_BUILD/sinit/slb.bin")
echo "SLB: core (measured by SKINIT) $core bytes, loader $((image - core)) bytes (measured by the core)"

ms() { echo $(( $(date +%s%N) / 1000000 )); }
for i in $(seq "$runs"); do
  work=$(mktemp -d /tmp/keel-launch-bench.XXXXXX)
  "$KEEL_BUILD/tools/platform/keel-platform" run --iso "$KEEL_BUILD/keel-drtm.iso" --state-dir "$work/p" \
    --banks "$banks" --serial "$work/console" 2>"$work/platform.log" &
  pid=$!
  requested="" entered=""
  while kill -0 $pid 2>/dev/null; do
    if [ -z "$requested" ] && grep -q "requesting an emulated SKINIT" "$work/console" 2>/dev/null; then requested=$(ms); fi
    if [ -n "$requested" ] && [ -z "$entered" ] && grep -q "Keel microhypervisor" "$work/console"; then entered=$(ms); fi
    sleep 0.005
  done
  status=0
  wait $pid || status=$?
  skinit=$(grep -o "emulated SKINIT took [0-9.]* ms" "$work/platform.log" | grep -o "[0-9.]* ms" || echo "?")
  if [ "$status" -eq 33 ] && [ -n "$requested" ] && [ -n "$entered" ]; then
    echo "run $i: SKINIT request -> hypervisor's first line $((entered - requested)) ms (emulated SKINIT itself: $skinit)"
  else
    echo "run $i: the launch did not complete (keel-platform status $status); see $work" >&2
    continue
  fi
  rm -rf "$work"
done
