#!/usr/bin/env bash
# Verifier figures (../shared/docs/benchmarks.md, "Verifier"): one process per
# check, `keel verify` against `tpm2_checkquote` on the same tpm2_quote files
# in the same run, RUNS calls each (default 200), alternating, for an RSA-2048
# and an ECC P-256 AK on swtpm, timed by keel-spawn-timer (posix_spawn to exit,
# so no shell's fork is counted), and by a shell loop for comparison; then the
# in-process Google Benchmark (keel-verify-bench; BM_Fleet* is a fleet of
# identical hosts, /0 without the appraisal cache and /64 with it) and
# OpenSSL's raw verify rates. Everything measured runs on one CPU (CPU,
# default 0): the two vCPUs of a cloud VM can differ in speed by a third, and
# a comparison across them would measure the host's neighbours.
#
#   tools/bench/verify-cli.sh [RUNS] [CPU]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
runs=${1:-200}
cpu=${2:-0}
# Pinned once, here: a taskset per call would add its own exec to every call.
if [ "${KEEL_BENCH_CPU:-}" != "$cpu" ]; then KEEL_BENCH_CPU=$cpu exec taskset -c "$cpu" "$0" "$runs" "$cpu"; fi
. "$root/tools/build.sh"
keel_prepare >/dev/null
keel="$KEEL_BUILD/tools/keel/keel"

work=$(mktemp -d /tmp/keel-bench-verify.XXXXXX)
port=$((20000 + RANDOM % 20000))
swtpm socket --tpm2 --tpmstate dir="$work" --server type=tcp,port=$port,bindaddr=127.0.0.1 \
  --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 --flags not-need-init,startup-clear \
  --daemon --pid file="$work/swtpm.pid"
trap 'kill "$(cat "$work/swtpm.pid")" 2>/dev/null; rm -rf "$work"' EXIT
export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port"
nonce=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d " \n")

# ms per call of "$@", over $runs calls, all of which must succeed.
per_call() {
  local start end i
  start=$(date +%s%N)
  for ((i = 0; i < runs; i++)); do "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; done
  end=$(date +%s%N)
  awk -v ns=$((end - start)) -v n="$runs" 'BEGIN { printf "%.2f", ns / 1e6 / n }'
}

for kind in rsa ecc; do
  scheme=rsassa; [ "$kind" = ecc ] && scheme=ecdsa
  d="$work/$kind"; mkdir -p "$d"
  tpm2_createek -c "$d/ek.ctx" -G rsa -u "$d/ek.pub" >/dev/null
  tpm2_createak -C "$d/ek.ctx" -c "$d/ak.ctx" -G "$kind" -g sha256 -s "$scheme" -u "$d/ak.pem" -f pem \
    -n "$d/ak.name" >/dev/null
  tpm2_flushcontext -t
  tpm2_quote -c "$d/ak.ctx" -l sha256:0,1,2,3,4,5,6,7,17,18,19 -q "$nonce" -m "$d/q.msg" -s "$d/q.sig" \
    -o "$d/q.pcrs" -g sha256 >/dev/null
  tpm2_flushcontext -t
  args=(-u "$d/ak.pem" -m "$d/q.msg" -s "$d/q.sig" -f "$d/q.pcrs" -g sha256 -q "$nonce")
  echo "$kind ($scheme) AK, 11 SHA-256 PCRs, A = tpm2_checkquote, B = keel verify:"
  "$KEEL_BUILD/tools/bench/keel-spawn-timer" "$runs" -- tpm2_checkquote "${args[@]}" -- "$keel" verify "${args[@]}"
  theirs=$(per_call tpm2_checkquote "${args[@]}")
  ours=$(per_call "$keel" verify "${args[@]}")
  echo "shell loop (a bash fork per call), $runs calls each: tpm2_checkquote $theirs ms/call, keel verify $ours ms/call"
done

if [ -x "$KEEL_BUILD/tools/bench/keel-verify-bench" ]; then
  "$KEEL_BUILD/tools/bench/keel-verify-bench" --benchmark_min_time=2 --benchmark_repetitions=3 \
    --benchmark_report_aggregates_only=true
fi

# The ceiling in the same run: OpenSSL's raw verify rates.
openssl speed -seconds 3 rsa2048 ecdsap256 2>/dev/null | grep -E "verify|rsa 2048|nistp256"
