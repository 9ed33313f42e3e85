#!/usr/bin/env bash
# Completeness under late publication, in simulated time: the emulator publishes records late on
# the measured curve (80% within 1 h, 95% within 24 h, 99.8% within 48 h, 100% within 7 days).
# One day is synced hourly (a sync 5 minutes after each hour closes), then every 6 hours for 8
# more days, which runs the settle scans 1, 2 and 7 days after the day ends. A second database
# follows the CoE Starter Kit's strategy: each hour, `sync --from now-65m --to now` and never again
# (settle_after = none). Prints the day's launches in the ground truth, what auditsync had stored
# at each stage, and what the CoE strategy stored, each as a share of the truth.
#
#   bench/completeness.sh                        (run by bench/run.sh)
#   BENCH_LAUNCHES_PER_HOUR=500 bench/completeness.sh   (tenant size; default 5000, about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

per_hour=${BENCH_LAUNCHES_PER_HOUR:-5000}
tenant=(--seed 11 --launches-per-hour "$per_hour" --late-publication)
day=$(date -u -d 2026-11-10T00:00:00Z +%s)
day_end=$((day + 86400))
from=$(iso "$day")
to=$(iso "$day_end")
ours="$work/ours.db"
coe="$work/coe.db"
started=$(now_seconds)

start_emulator --now "$from" --query-polls 1 --record-cap 100000000 --max-page-size 1000 \
  "${tenant[@]}"

# sync_at NOW DATABASE [NAME=VALUE...] -- [SYNC-ARGS...]
sync_at() {
  local now=$1 database=$2; shift 2
  local settings=()
  while [ "$1" != "--" ]; do settings+=("$1"); shift; done
  shift
  set_clock "$(iso "$now")"
  if ! as_client "$database" AUDITSYNC_TEST_NOW="$(iso "$now")" AUDITSYNC_POLL_INTERVAL=20ms \
       AUDITSYNC_RETRY_BASE_DELAY=10ms AUDITSYNC_RETRY_MAX_DELAY=200ms "${settings[@]}" -- \
       "$build/auditsync" sync "$@" > "$work/sync.log" 2>&1; then
    echo "sync at $(iso "$now") into $(basename "$database") failed:" >&2
    cat "$work/sync.log" >&2
    exit 1
  fi
}

# report DATABASE: the apps report of the day (JSON).
report() {
  as_client "$1" -- "$build/auditsync" report apps --from "$from" --to "$to" --format json
}
launches() { report "$1" | jq '[.[].launches] | add // 0'; }

# The day, hour by hour.
for hour in $(seq 1 24); do
  now=$((day + hour * 3600 + 300))
  sync_at "$now" "$ours" AUDITSYNC_INITIAL_LOOKBACK=1h --
  sync_at "$now" "$coe" AUDITSYNC_SETTLE_AFTER=none -- \
    --from "$(iso $((now - 3900)))" --to "$(iso "$now")"
done
after_day=$(launches "$ours")
coe_launches=$(launches "$coe")

# Then every 6 hours for 8 more days. The day's count is taken after every sync; it can only
# change when a settle scan of the day runs.
after_1d="" after_2d=""
changes=()
previous=$after_day
for ((now = day + 30 * 3600 + 300; now <= day + 9 * 86400; now += 6 * 3600)); do
  sync_at "$now" "$ours" --
  count=$(launches "$ours")
  [ "$count" != "$previous" ] && changes+=("$(iso "$now") +$((count - previous))")
  previous=$count
  # The last count before the next settle scan is due.
  if ((now >= day_end + 86400 && now < day_end + 2 * 86400)); then after_1d=$count; fi
  if ((now >= day_end + 2 * 86400 && now < day_end + 7 * 86400)); then after_2d=$count; fi
done
at_end=$previous

tenant_json="$work/truth.json"
"$build/auditsync-emulator" truth --from "$from" --to "$to" "${tenant[@]}" > "$tenant_json"
truth=$(jq '[.[].launches] | add' "$tenant_json")
if report "$ours" | jq -S . | cmp -s - <(jq -S . "$tenant_json"); then
  equal="yes: the apps report of the day equals the ground truth"
else
  equal="NO: the apps report of the day differs from the ground truth"
fi
elapsed=$(echo "$(now_seconds) - $started" | bc)

row() { printf '%-58s %9d %8.2f%%\n' "$1" "$2" "$(echo "100 * $2 / $truth" | bc -l)"; }
echo
echo "Completeness under late publication: launches created on $(date -u -d "@$day" +%F)"
echo "(tenant: ${tenant[*]})"
printf '%-58s %9s %9s\n' "" "launches" "of truth"
row "ground truth" "$truth"
row "auditsync, hourly, right after the day (00:05)" "$after_day"
row "auditsync, after the 1-day settle scan" "$after_1d"
row "auditsync, after the 2-day settle scan" "$after_2d"
row "auditsync, at the end (after the 7-day settle scan)" "$at_end"
row "CoE strategy (each hour: --from now-65m, never again)" "$coe_launches"
echo "End state equal to the truth: $equal"
echo "Syncs that added launches of the day after it ended: ${changes[*]:-none}"
printf 'Simulated 9 days in %.0f s of real time.\n' "$elapsed"
[[ $equal == yes* ]]
