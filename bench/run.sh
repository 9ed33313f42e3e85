#!/usr/bin/env bash
# The benchmarks of `make bench`, in eight parts (docs/benchmarks.md describes them):
#
# ingest: the real auditsync process syncs one day of a large synthetic tenant from the emulator
#   over HTTPS into a fresh SQLite database. Reports records/s, CPU time per record of the
#   auditsync process (user + system) and its peak RSS, at two sizes to show that memory stays flat
#   as the record count grows. Then runs the parser micro-benchmark.
# floor: bench/sqlite_floor, the CPU that SQLite alone needs per record to keep a record's key, time
#   and raw auditData under the dedupe index, for a million records (about 30 seconds): the part of
#   the ingest's CPU that no code of auditsync can remove.
# completeness: bench/completeness.sh, late publication in simulated time (about a minute).
# concurrency: bench/concurrency.sh, a backfill against 30-second queries (about 5 minutes;
#   BENCH_IN_FLIGHT_1=0 skips its 3.5-minute run with one query in flight).
# reports: bench/report.sh, report speed over 10,000,000 launch records (about 3 minutes).
# management: bench/management.sh, a day of a large tenant through the Office 365 Management
#   Activity API: blobs/s, records/s and peak RSS, 8 downloads at once against one at a time, and
#   blobs of several sizes (about 2 minutes).
# postgres: bench/postgres.sh, the ingest into SQLite and into a local PostgreSQL server side by
#   side (about 1 minute).
# workers: bench/workers.sh, a backfill into PostgreSQL by one sync process and by three sharing
#   the windows (about 2 minutes).
#
#   bench/run.sh [nominal-records-per-day ...]     ingest sizes; default: 275000 1100000
#   BENCH_PARTS=ingest,floor,completeness,concurrency,reports,management,postgres,workers
#                                                  the parts to run (unset or empty: all, in this
#                                                  order)
#   BENCH_WRAP="perf record -g -o /tmp/perf.data" BENCH_PARTS=ingest bench/run.sh 1100000
#                                                  (profile auditsync)
# The emulator's day has a daily cycle, so a nominal size serves about 91% of it; the defaults
# serve about 250,000 and 1,005,000 records. The table shows the exact count served.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/release
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(275000 1100000)
parts=",${BENCH_PARTS:-ingest,floor,completeness,concurrency,reports,management,postgres,workers},"
for part in ${parts//,/ }; do
  case $part in
    ingest|floor|completeness|concurrency|reports|management|postgres|workers) ;;
    *) echo "BENCH_PARTS: unknown part '$part' (ingest, floor, completeness, concurrency," \
            "reports, management, postgres, workers)" >&2
       exit 2 ;;
  esac
done

source bench/lib.sh

# Part 1: ingest (the body is left unindented: its Python heredoc must start at column 0).
if [[ $parts == *,ingest,* ]]; then
printf '\n%-12s %10s %10s %12s %14s %12s\n' "records" "stored" "wall s" "records/s" "CPU us/record" "peak RSS MB"
for size in "${sizes[@]}"; do
  ingest_tenant "$size"
  ingest_emulator
  served=$(ingest_served)
  rm -f "$work"/bench.db*
  ingest_sync "$work/bench.db"
  stop_emulator
  stored=$(sqlite3 "$work/bench.db" 'SELECT count(*) FROM audit_records')
  read -r wall cpu rss_mb user system < <(python3 bench/time_figures.py "$work/time.txt")
  python3 -c 'import sys; served, stored = int(sys.argv[1]), int(sys.argv[2]); wall, cpu, rss = map(float, sys.argv[3:6])
print(f"{served:<12d} {stored:>10d} {wall:>10.1f} {served / wall:>12.0f} {cpu / served * 1e6:>14.2f} {rss:>12.1f}   (user {sys.argv[6]} s, system {sys.argv[7]} s)")' \
    "$served" "$stored" "$wall" "$cpu" "$rss_mb" "$user" "$system"
done
echo "(records = records served by the emulator, duplicates and malformed included; stored = distinct records kept)"
echo
"$build/parser_bench" --benchmark_counters_tabular=true
fi

if [[ $parts == *,floor,* ]]; then "$build/sqlite_floor" "$work" 1000000; fi
if [[ $parts == *,completeness,* ]]; then bench/completeness.sh; fi
if [[ $parts == *,concurrency,* ]]; then bench/concurrency.sh; fi
if [[ $parts == *,reports,* ]]; then bench/report.sh; fi
if [[ $parts == *,management,* ]]; then bench/management.sh; fi
if [[ $parts == *,postgres,* ]]; then bench/postgres.sh; fi
if [[ $parts == *,workers,* ]]; then bench/workers.sh; fi
