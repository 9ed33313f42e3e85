# shellcheck shell=bash
# Shared by the bench scripts (sourced, not run): a work directory with a random client secret,
# one emulator at a time on an ephemeral port, the environment that points auditsync at it, and
# the ingest of run.sh and postgres.sh. The caller has `set -euo pipefail` and sits in the repository root.
build=build/release
work=$(mktemp -d /tmp/auditsync-bench.XXXXXX)
emulator_pid=""
cleanup() {
  if [ -n "$emulator_pid" ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

head -c 32 /dev/urandom | base64 | tr -d '/+=\n' > "$work/secret"
chmod 600 "$work/secret"

# start_emulator SERVE-AND-TENANT-FLAGS...: serves until stop_emulator; sets $port.
start_emulator() {
  rm -f "$work/port"
  "$build/auditsync-emulator" serve --port 0 --port-file "$work/port" --ca-file "$work/ca.pem" \
    --client-secret-file "$work/secret" --log-level warn "$@" > "$work/emulator.log" 2>&1 &
  emulator_pid=$!
  for _ in $(seq 1 300); do [ -s "$work/port" ] && break; sleep 0.1; done
  if [ ! -s "$work/port" ]; then
    echo "the emulator did not start:" >&2; cat "$work/emulator.log" >&2; exit 1
  fi
  port=$(cat "$work/port")
}

stop_emulator() {
  kill "$emulator_pid"; wait "$emulator_pid" 2>/dev/null || true; emulator_pid=""
}

# emulator_control METHOD PATH [BODY]: a control route of the emulator (/_emulator/...).
emulator_control() {
  curl -sS --fail --cacert "$work/ca.pem" -X "$1" ${3:+--data "$3"} "https://127.0.0.1:$port$2"
}

# set_clock T: the emulator's simulated now (ISO 8601 UTC).
set_clock() {
  emulator_control POST /_emulator/clock "{\"now\":\"$1\"}" > /dev/null
}

queries_created() {
  emulator_control GET /_emulator/stats | jq '.queries_created'
}

# as_client DATABASE [NAME=VALUE...] -- COMMAND...: runs COMMAND with auditsync pointed at the
# emulator and DATABASE, plus the given settings.
as_client() {
  local database=$1; shift
  local settings=()
  while [ "$1" != "--" ]; do settings+=("$1"); shift; done
  shift
  env AUDITSYNC_TENANT_ID=11111111-2222-3333-4444-555555555555 \
    AUDITSYNC_CLIENT_ID=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee \
    AUDITSYNC_CLIENT_SECRET_FILE="$work/secret" \
    AUDITSYNC_AUTHORITY="https://127.0.0.1:$port" AUDITSYNC_GRAPH_URL="https://127.0.0.1:$port" \
    AUDITSYNC_CA_BUNDLE="$work/ca.pem" AUDITSYNC_DATABASE="$database" \
    AUDITSYNC_PAGE_SIZE=1000 AUDITSYNC_LOG_LEVEL=warn "${settings[@]}" "$@"
}

# iso EPOCH-SECONDS
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# now_seconds: real time, fractional.
now_seconds() { date +%s.%N; }

# The ingest (bench/run.sh, bench/postgres.sh): one day, [ingest_from, ingest_to), of a large synthetic tenant,
# synced by the real auditsync process from the emulator over HTTPS.
ingest_from=2026-11-02T00:00:00Z
ingest_to=2026-11-03T00:00:00Z

# ingest_tenant SIZE: the emulator's tenant flags for about SIZE records a day, in $tenant.
ingest_tenant() {
  tenant=(--seed 3 --launches-per-hour "$(( ($1 + 23) / 24 ))" --malformed-rate 0.0005)
}

# The records the emulator serves for the day, duplicates and malformed included.
ingest_served() {
  "$build/auditsync-emulator" truth --summary --from "$ingest_from" --to "$ingest_to" "${tenant[@]}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["total_served"])'
}

ingest_emulator() {
  start_emulator --record-cap 100000000 --max-page-size 1000 --query-polls 1 "${tenant[@]}"
}

# ingest_sync DATABASE [NAME=VALUE...]: the sync under /usr/bin/time -v (into $work/time.txt)
# and BENCH_WRAP, if set.
ingest_sync() {
  local database=$1; shift
  # shellcheck disable=SC2086 # BENCH_WRAP is a command line
  as_client "$database" AUDITSYNC_POLL_INTERVAL=50ms AUDITSYNC_LOG_LEVEL=error "$@" -- \
    ${BENCH_WRAP:-} /usr/bin/time -v -o "$work/time.txt" "$build/auditsync" sync --from "$ingest_from" --to "$ingest_to"
}
