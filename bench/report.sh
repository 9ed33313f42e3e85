#!/usr/bin/env bash
# Part "reports" of `make bench` (docs/benchmarks.md): report speed over a year of a large tenant.
# bench/report_bench generates BENCH_REPORT_RECORDS launch records (default 10,000,000, about
# 4.5 GB and two minutes) into a fresh database through the store's CommitPage, as a sync stores
# them, and times each report through the store; then the auditsync command itself runs the
# reports a user runs most, as a user runs them (process start and JSON rendering included).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/release
records=${BENCH_REPORT_RECORDS:-10000000}
work=$(mktemp -d /tmp/auditsync-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo
echo "reports over $records launch records (a year, 5,000 users, 500 apps)"
"$build/report_bench" "$work/reports.db" "$records"
for report in "apps" "usage --by month"; do
  for format in json html; do
    # shellcheck disable=SC2086  # the report name and its flag are two words
    /usr/bin/time -f "auditsync report $report --format $format: %e s wall, %M KB peak RSS" \
      "$build/auditsync" report $report --database "$work/reports.db" --format $format > /dev/null
  done
done
