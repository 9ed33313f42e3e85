#!/usr/bin/env bash
# Workers: backfills into one PostgreSQL database (a throw-away local server, durable, as in
# bench/postgres.sh) by one `auditsync sync` process, then, into a fresh database, by three at
# once sharing the windows through their leases. Every query of the emulator takes
# BENCH_QUERY_DELAY_MS before it finishes, so both the queries' latency and the storing of the
# records count, as in a real backfill. Two backfills: a week of a large tenant (bound by storing
# the records) and 20 days of a small one (bound by the queries' latency). Prints the wall time of
# each (until the last process ends), the records stored, the queries submitted, and the ratio.
#
#   bench/workers.sh                  (run by bench/run.sh; about 3 minutes)
#   BENCH_WORKER_DAYS=7               days of the large tenant's backfill (one query per day)
#   BENCH_WORKER_RECORDS=100000       its nominal records a day (about 91% of it is served)
#   BENCH_QUERY_DELAY_MS=10000        the query latency the emulator imposes
#   BENCH_KEEP_LOGS=DIR               copies the processes' logs there
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
trap 'tests/pg/pg_cluster.sh stop "$work/cluster" > /dev/null || true; cleanup' EXIT

delay_ms=${BENCH_QUERY_DELAY_MS:-10000}
from=2026-11-03T00:00:00Z

PG_CLUSTER_DURABLE=1 tests/pg/pg_cluster.sh start "$work/cluster" > /dev/null
cluster_url=$(cat "$work/cluster/url")
cp "$work/cluster/password" "$work/pg-password"
chmod 600 "$work/pg-password"
psql_in() { PGPASSWORD=$(cat "$work/pg-password") psql -qtA "$@"; }

# backfill NAME N: N processes sync [from, to) into a fresh database at once; sets $wall, $stored
# and $queries.
backfill() {
  local name=$1 workers=$2 database="${cluster_url%/*}/bench_$1_$2" before start pids=()
  psql_in "$cluster_url" -c "CREATE DATABASE bench_${name}_$workers"
  before=$(queries_created)
  start=$(now_seconds)
  for worker in $(seq 1 "$workers"); do
    as_client "$database" AUDITSYNC_DATABASE_PASSWORD_FILE="$work/pg-password" \
      AUDITSYNC_POLL_INTERVAL=1s AUDITSYNC_LOG_LEVEL=info -- \
      "$build/auditsync" sync --from "$from" --to "$to" > "$work/$name-$workers-$worker.log" 2>&1 &
    pids+=($!)
  done
  for worker in "${!pids[@]}"; do
    if ! wait "${pids[$worker]}"; then
      echo "worker $((worker + 1)) of $workers failed:" >&2
      cat "$work/$name-$workers-$((worker + 1)).log" >&2
      exit 1
    fi
  done
  wall=$(echo "$(now_seconds) - $start" | bc)
  queries=$(( $(queries_created) - before ))
  stored=$(psql_in "$database" -c 'SELECT count(*) FROM audit_records')
}

# scenario NAME DAYS RECORDS-PER-DAY: the backfill of DAYS days by 1 process, then by 3.
scenario() {
  local name=$1 days=$2 per_day=$3 served one
  to=$(date -u -d "2026-11-03 + $days days" +%Y-%m-%dT%H:%M:%SZ)
  tenant=(--seed 3 --launches-per-hour "$(( (per_day + 23) / 24 ))")
  served=$("$build/auditsync-emulator" truth --summary --from "$from" --to "$to" "${tenant[@]}" |
           python3 -c 'import json,sys; print(json.load(sys.stdin)["total_served"])')
  start_emulator --query-delay-ms "$delay_ms" --query-polls 1 --record-cap 100000000 \
    --max-page-size 1000 "${tenant[@]}"
  echo
  echo "$days days of about $per_day records a day:"
  backfill "$name" 1
  one=$wall
  printf '  %-32s %10d %10d %8d %12.1f\n' "1 process" "$served" "$stored" "$queries" "$wall"
  backfill "$name" 3
  printf '  %-32s %10d %10d %8d %12.1f\n' "3 processes sharing the windows" "$served" "$stored" \
    "$queries" "$wall"
  printf '  %-32s %43.2f x\n' "speed-up" "$(echo "$one / $wall" | bc -l)"
  stop_emulator
}

echo
echo "Workers: backfills into PostgreSQL, each query taking $((delay_ms / 1000)) s" \
  "(4 queries in flight per process, poll interval 1s)"
printf '  %-32s %10s %10s %8s %12s\n' "" "served" "stored" "queries" "wall s"
# Storing-bound: a week of a large tenant (7 queries, 640,000 records).
scenario large "${BENCH_WORKER_DAYS:-7}" "${BENCH_WORKER_RECORDS:-100000}"
# Latency-bound: 20 days of a small tenant (20 queries, each worth one 10-second wait).
scenario small 20 2000
[ -z "${BENCH_KEEP_LOGS:-}" ] || cp "$work"/*-[13]-*.log "$BENCH_KEEP_LOGS"
