#!/usr/bin/env bash
# Concurrency: every audit log query of the emulator takes 30 s (real time) before it finishes,
# as a slow Graph query does. Measures, on fresh databases, the wall time of one query (a one-hour
# sync) and of a 7-day backfill with the default 4 queries in flight (a backfill queries whole
# days, so 7 queries); compares the backfill with the CoE way of querying the same 7 days, one
# hourly query after another, computed as 168 times the one-query latency (running it would take
# 84 minutes); and runs the same backfill with one query in flight, printing the ratio of the two
# backfills (what running queries in parallel buys, both measured).
#
#   bench/concurrency.sh                  (run by bench/run.sh; about 5 minutes)
#   BENCH_IN_FLIGHT_1=0 bench/concurrency.sh    (skip the 3.5-minute run with one query in flight)
#   BENCH_QUERY_DELAY_MS=30000                  (the query latency the emulator imposes)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

delay_ms=${BENCH_QUERY_DELAY_MS:-30000}
tenant=(--seed 3)
start_emulator --query-delay-ms "$delay_ms" --query-polls 1 "${tenant[@]}"

# timed_sync NAME [NAME=VALUE...] -- SYNC-ARGS...: a sync into a fresh database; sets $wall
# (seconds) and $queries (queries it submitted).
timed_sync() {
  local name=$1; shift
  local settings=()
  while [ "$1" != "--" ]; do settings+=("$1"); shift; done
  shift
  local before start
  before=$(queries_created)
  rm -f "$work/$name".db*
  start=$(now_seconds)
  if ! as_client "$work/$name.db" AUDITSYNC_POLL_INTERVAL=1s "${settings[@]}" -- \
       "$build/auditsync" sync "$@" > "$work/$name.log" 2>&1; then
    echo "sync $* failed:" >&2; cat "$work/$name.log" >&2; exit 1
  fi
  wall=$(echo "$(now_seconds) - $start" | bc)
  queries=$(( $(queries_created) - before ))
}

echo
echo "Concurrency: each audit log query takes $((delay_ms / 1000)) s" \
  "(emulator --query-delay-ms $delay_ms --query-polls 1; poll interval 1s)"
timed_sync one-hour -- --from 2026-11-03T00:00:00Z --to 2026-11-03T01:00:00Z
latency=$wall
printf '%-62s %8.1f s  (%d query)\n' "one query (sync of one hour)" "$latency" "$queries"

timed_sync backfill -- --from 2026-11-03 --to 2026-11-10
backfill=$wall
printf '%-62s %8.1f s  (%d queries)\n' "7-day backfill, 4 queries in flight (the default)" \
  "$backfill" "$queries"

sequential=$(echo "168 * $latency" | bc)
printf '%-62s %8.1f s  (= 168 x %.1f s; computed, not run: it would take %.0f minutes)\n' \
  "the same 7 days the CoE way, 168 hourly queries one by one" "$sequential" "$latency" \
  "$(echo "$sequential / 60" | bc -l)"
printf '%-62s %8.1f %%\n' "backfill / CoE way" "$(echo "100 * $backfill / $sequential" | bc -l)"

if [ "${BENCH_IN_FLIGHT_1:-1}" != 0 ]; then
  timed_sync in-flight-1 AUDITSYNC_MAX_QUERIES_IN_FLIGHT=1 -- --from 2026-11-03 --to 2026-11-10
  printf '%-62s %8.1f s  (%d queries)\n' "7-day backfill, 1 query in flight" "$wall" "$queries"
  printf '%-62s %8.1f %%  (%.1f times as fast)\n' "backfill, 4 in flight / 1 in flight" \
    "$(echo "100 * $backfill / $wall" | bc -l)" "$(echo "$wall / $backfill" | bc -l)"
else
  echo "(7-day backfill with 1 query in flight skipped: BENCH_IN_FLIGHT_1=0)"
fi
