#!/usr/bin/env bash
# The Office 365 Management Activity API path (use_graph_api = no): the real auditsync process
# reads a day of a large tenant's Audit.General content from the emulator over HTTPS (loopback,
# TLS verified) into a fresh database, under /usr/bin/time -v. The day: about 2,000 blobs of
# 1,000 records, 2,000,000 records of which 10% are Power Apps records (the rest other
# workloads' noise, downloaded and skipped). Prints, per run: blobs, records served, Power Apps
# records stored, wall time, blobs/s, records/s, CPU time per record of the auditsync process
# and its peak RSS. Runs:
#   - 8 downloads at once (blob_concurrency default) and 1 (the CoE flow's one blob at a time);
#   - the same day in blobs of 250 and of 10,000 records: memory stays flat with blob size.
# The request budget is lifted on both sides (management_requests_per_minute, --management-rate
# 0), so that the figures are auditsync's own; at the default 1,800 requests a minute, 2,000 blobs
# take at least 67 seconds.
#
#   bench/management.sh                      (run by bench/run.sh; about 2 minutes)
#   BENCH_MANAGEMENT_LAUNCHES=8200           (Power Apps records per hour, before duplicates)
#   BENCH_BLOB_LATENCY_MS=20                 (the service's time to first byte of a blob)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

per_hour=${BENCH_MANAGEMENT_LAUNCHES:-8200}
latency_ms=${BENCH_BLOB_LATENCY_MS:-20}
day=2026-11-02
# The day's records are in the blobs published during each hour after: content of [01:00, +1d).
content_from=2026-11-02T01:00:00Z
content_to=2026-11-03T01:00:00Z
now=2026-11-03T02:00:00Z

echo
echo "Management Activity API: a day of Audit.General content, 10% Power Apps records," \
  "${latency_ms} ms per blob before its first byte"
printf '%-22s %7s %10s %9s %8s %8s %11s %11s %9s\n' "run" "blobs" "records" "stored" "wall s" \
  "blobs/s" "records/s" "CPU us/rec" "peak MB"

# run NAME BLOB-RECORDS CONCURRENCY
run() {
  local name=$1 blob_records=$2 concurrency=$3
  local tenant=(--seed 3 --launches-per-hour "$per_hour" --malformed-rate 0.0005
                --general-noise 9 --blob-records "$blob_records")
  start_emulator --now "$now" --management-rate 0 --threads 16 --blob-latency-ms "$latency_ms" \
    "${tenant[@]}"
  local content
  content=$("$build/auditsync-emulator" truth --summary --content --from "${day}T00:00:00Z" \
              --to 2026-11-03T00:00:00Z "${tenant[@]}" |
            jq -r '"\(.content.blobs) \(.content.records)"')
  read -r blobs records <<< "$content"
  rm -f "$work/$name".db*
  if ! as_client "$work/$name.db" AUDITSYNC_USE_GRAPH_API=no \
       AUDITSYNC_MANAGEMENT_URL="https://manage.localhost:$port" AUDITSYNC_TEST_NOW="$now" \
       AUDITSYNC_BLOB_CONCURRENCY="$concurrency" AUDITSYNC_MANAGEMENT_REQUESTS_PER_MINUTE=100000 \
       AUDITSYNC_LOG_LEVEL=error -- \
       ${BENCH_WRAP:-} /usr/bin/time -v -o "$work/time.txt" "$build/auditsync" sync \
       --from "$content_from" --to "$content_to" > "$work/$name.log" 2>&1; then
    echo "sync failed:" >&2; cat "$work/$name.log" >&2; exit 1
  fi
  stop_emulator
  local stored
  stored=$(sqlite3 "$work/$name.db" 'SELECT count(*) FROM audit_records')
  local wall cpu rss_mb
  read -r wall cpu rss_mb _ < <(python3 bench/time_figures.py "$work/time.txt")
  python3 -c 'import sys; name = sys.argv[1]; blobs, records, stored = map(int, sys.argv[2:5]); wall, cpu, rss = map(float, sys.argv[5:8])
print(f"{name:<22} {blobs:>7d} {records:>10d} {stored:>9d} {wall:>8.1f} {blobs / wall:>8.0f} {records / wall:>11.0f} {cpu / records * 1e6:>11.2f} {rss:>9.1f}")' \
    "$name" "$blobs" "$records" "$stored" "$wall" "$cpu" "$rss_mb"
}

run "8 at once" 1000 8
run "1 at a time (CoE)" 1000 1
run "8, blobs of 250" 250 8
run "8, blobs of 10000" 10000 8
run "8, blobs of 40000" 40000 8
echo "(records = every Audit.General record served, noise included; stored = distinct Power Apps"
echo " records kept; CPU = user + system time of the auditsync process per record served)"
