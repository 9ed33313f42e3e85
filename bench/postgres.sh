#!/usr/bin/env bash
# The `postgres` part of `make bench` (docs/benchmarks.md): the ingest of bench/run.sh (one day
# of a large synthetic tenant, synced by the real auditsync process from the emulator over
# HTTPS) into SQLite and into PostgreSQL, side by side. PostgreSQL is a throw-away local server
# (tests/pg/pg_cluster.sh) with its default durability (fsync and synchronous commit on), on the
# same machine, over TCP on loopback. Prints records/s, the CPU time per record of auditsync and,
# for PostgreSQL, of the server's processes too.
#
#   bench/postgres.sh [nominal-records-per-day ...]     default: 275000
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(275000)
source bench/lib.sh
trap 'tests/pg/pg_cluster.sh stop "$work/cluster" || true; cleanup' EXIT

PG_CLUSTER_DURABLE=1 tests/pg/pg_cluster.sh start "$work/cluster"
cluster_url=$(cat "$work/cluster/url")
cp "$work/cluster/password" "$work/pg-password"
chmod 600 "$work/pg-password"
postmaster_pid=$(head -n 1 "$(cat "$work/cluster/data")/cluster/postmaster.pid")
# CPU seconds of the server: the postmaster and every backend it has reaped (a connection's
# backend ends with it, before this is read).
server_cpu() {
  python3 -c 'import os, sys
fields = open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")", 1)[1].split()
print(sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK"))' "$postmaster_pid"
}

printf '\n%-10s %-12s %10s %8s %10s %16s %16s\n' "backend" "records" "stored" "wall s" "records/s" \
  "auditsync us/rec" "server us/rec"
for size in "${sizes[@]}"; do
  ingest_tenant "$size"
  served=$(ingest_served)
  for backend in sqlite postgres; do
    ingest_emulator
    if [ "$backend" = sqlite ]; then
      rm -f "$work"/bench.db*
      database="$work/bench.db"
    else
      database="${cluster_url%/*}/bench_$size"
      PGPASSWORD=$(cat "$work/pg-password") psql -q "$cluster_url" -c "CREATE DATABASE bench_$size"
    fi
    before=$(server_cpu)
    ingest_sync "$database" AUDITSYNC_DATABASE_PASSWORD_FILE="$work/pg-password"
    sleep 0.5  # the backend of the sync's connection is reaped
    after=$(server_cpu)
    stop_emulator
    if [ "$backend" = sqlite ]; then
      stored=$(sqlite3 "$work/bench.db" 'SELECT count(*) FROM audit_records')
      server="-"
    else
      stored=$(PGPASSWORD=$(cat "$work/pg-password") psql -tA "$database" \
               -c 'SELECT count(*) FROM audit_records')
      server=$(python3 -c 'import sys; print(f"{(float(sys.argv[2]) - float(sys.argv[1])) / int(sys.argv[3]) * 1e6:.2f}")' \
               "$before" "$after" "$served")
    fi
    read -r wall cpu _ _ _ < <(python3 bench/time_figures.py "$work/time.txt")
    python3 -c 'import sys; b, served, stored, wall, cpu, server = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
print(f"{b:<10} {served:<12d} {stored:>10d} {wall:>8.1f} {served / wall:>10.0f} {cpu / served * 1e6:>16.2f} {server:>16}")' \
      "$backend" "$served" "$stored" "$wall" "$cpu" "$server"
  done
done
echo "(records = served by the emulator, duplicates and malformed included; stored = distinct records kept)"
