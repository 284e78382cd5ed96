#!/usr/bin/env bash
# keel-verifierd end to end (issue 13's benchmark): software agents push
# evidence over HTTPS with client certificates, each signing a genuine
# TPMS_ATTEST with its own AK over the verifier's fresh nonce, with a 64-event
# DRTM log; the verifier appraises and writes every appraisal to SQLite. The
# load generator runs on the same machine. For each fleet size HOSTS (each
# host pushes once a second) it prints the offered and achieved appraisals/s
# and the agents' round trip for the evidence (p50/p90/p99).
#
#   tools/bench/fleet-bench.sh [SECONDS] [THREADS] [HOSTS...]    default: 10 8 50 100 200 400
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=${1:-10}
threads=${2:-8}
shift $(($# > 2 ? 2 : $#))
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(50 100 200 400)
. "$root/tools/build.sh"
keel_prepare >/dev/null
for hosts in "${sizes[@]}"; do
  echo "== $hosts hosts, 1 s interval, $threads load-generator threads"
  "$KEEL_BUILD/tools/bench/keel-fleet-bench" --verifierd "$KEEL_BUILD/tools/verifierd/keel-verifierd" \
    --hosts "$hosts" --interval 1 --seconds "$seconds" --threads "$threads" | grep -v '^preparing\|^scratch'
done
