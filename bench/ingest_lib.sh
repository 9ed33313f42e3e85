# The ingest of bench/run.sh and bench/postgres.sh: one day (from, to) of a large synthetic
# tenant, synced by the real auditsync process from the emulator over HTTPS. Sourced; the caller
# sets build, work (holding `secret`), from and to, and stops the emulator ($emulator_pid).

# ingest_tenant SIZE: the emulator's tenant flags for about SIZE records a day, in `tenant`.
ingest_tenant() {
  tenant=(--seed 3 --launches-per-hour "$(( ($1 + 23) / 24 ))" --malformed-rate 0.0005)
}

# The records the emulator serves for the day, duplicates and malformed included.
ingest_served() {
  "$build/auditsync-emulator" truth --summary --from "$from" --to "$to" "${tenant[@]}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["total_served"])'
}

# Starts the emulator on a free port: `emulator_pid` and `port`.
start_ingest_emulator() {
  rm -f "$work/port"
  "$build/auditsync-emulator" serve --port 0 --port-file "$work/port" --ca-file "$work/ca.pem" \
    --client-secret-file "$work/secret" --record-cap 100000000 --max-page-size 1000 \
    --query-polls 1 "${tenant[@]}" > "$work/emulator.log" 2>&1 &
  emulator_pid=$!
  for _ in $(seq 1 300); do [ -s "$work/port" ] && break; sleep 0.1; done
  port=$(cat "$work/port")
}

# run_ingest_sync DATABASE [NAME=VALUE ...]: the sync, under /usr/bin/time -v into
# $work/time.txt (and BENCH_WRAP, if set), with more environment if given.
run_ingest_sync() {
  local database=$1
  shift
  # shellcheck disable=SC2086 # BENCH_WRAP is a command line
  env AUDITSYNC_TENANT_ID=11111111-2222-3333-4444-555555555555 \
    AUDITSYNC_CLIENT_ID=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee \
    AUDITSYNC_CLIENT_SECRET_FILE="$work/secret" \
    AUDITSYNC_AUTHORITY="https://127.0.0.1:$port" AUDITSYNC_GRAPH_URL="https://127.0.0.1:$port" \
    AUDITSYNC_CA_BUNDLE="$work/ca.pem" AUDITSYNC_DATABASE="$database" \
    AUDITSYNC_POLL_INTERVAL=50ms AUDITSYNC_PAGE_SIZE=1000 AUDITSYNC_LOG_LEVEL=error "$@" \
    ${BENCH_WRAP:-} /usr/bin/time -v -o "$work/time.txt" "$build/auditsync" sync --from "$from" --to "$to"
}
