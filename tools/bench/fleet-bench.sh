#!/usr/bin/env bash
# keel-verifierd end to end (issue 13's benchmark): software agents push
# evidence over HTTPS with client certificates, each signing a genuine
# TPMS_ATTEST with its own AK over the verifier's fresh nonce, with a 64-event
# DRTM log; the verifier appraises and writes every appraisal to its store.
# The load generator runs on the same machine. For each fleet size HOSTS (each
# host pushes once a second) it prints the offered and achieved appraisals/s
# and the agents' round trip for the evidence (p50/p90/p99).
#
#   tools/bench/fleet-bench.sh [SECONDS] [THREADS] [HOSTS...]    default: 10 8 50 100 200 400
#   KEEL_BENCH_STORE=postgresql tools/bench/fleet-bench.sh ...  the store in a PostgreSQL 15 server this
#                                                               script starts in a temporary directory
#                                                               (unix socket only; a fresh database per size)
#   KEEL_BUILD=DIR tools/bench/fleet-bench.sh ...          use the programs already built in DIR (no build)
#   KEEL_BENCH_ARGS='--connections request' ...            more keel-fleet-bench options (see its --help)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=${1:-10}
threads=${2:-8}
shift $(($# > 2 ? 2 : $#))
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(50 100 200 400)
if [ -z "${KEEL_BUILD:-}" ]; then
  . "$root/tools/build.sh"
  keel_prepare >/dev/null
fi

store=${KEEL_BENCH_STORE:-sqlite}
pg_dir=""
as_pg_user() { if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
stop_pg() { [ -z "$pg_dir" ] || { as_pg_user /usr/lib/postgresql/15/bin/pg_ctl -D "$pg_dir/data" -m fast -w stop >/dev/null || true; rm -rf "$pg_dir"; }; }
if [ "$store" = postgresql ]; then
  pg_dir=$(mktemp -d /tmp/keel-bench-pg-XXXXXX)
  trap stop_pg EXIT
  [ "$(id -u)" -ne 0 ] || chown nobody "$pg_dir"
  (cd /tmp && as_pg_user /usr/lib/postgresql/15/bin/initdb -D "$pg_dir/data" -A trust -U keel -E UTF8 --locale=C >/dev/null)
  # Durable as a production server would be (fsync and synchronous_commit on).
  (cd /tmp && as_pg_user /usr/lib/postgresql/15/bin/pg_ctl -D "$pg_dir/data" -l "$pg_dir/server.log" \
    -o "-k $pg_dir -p 5432 -c listen_addresses=''" -w start >/dev/null)
fi
for hosts in "${sizes[@]}"; do
  database=()
  if [ "$store" = postgresql ]; then
    psql -q -h "$pg_dir" -U keel -d postgres -c "CREATE DATABASE fleet_$hosts"
    database=(--database "postgresql://keel@/fleet_$hosts?host=$pg_dir")
  fi
  echo "== $hosts hosts, 1 s interval, $threads load-generator threads, $store store"
  "$KEEL_BUILD/tools/bench/keel-fleet-bench" --verifierd "$KEEL_BUILD/tools/verifierd/keel-verifierd" \
    --hosts "$hosts" --interval 1 --seconds "$seconds" --threads "$threads" "${database[@]}" ${KEEL_BENCH_ARGS:-} | grep -v '^preparing\|^scratch'
done
