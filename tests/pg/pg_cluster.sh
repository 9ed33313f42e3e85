#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests: `pg_cluster.sh start STATE_DIR` creates one with
# initdb in a new temporary directory, starts it on a free loopback port (its unix socket in that
# directory too), and writes what the tests need into STATE_DIR: `url` (no password), `password`
# (the superuser's, also required over TCP: scram-sha-256) and `data` (the temporary directory).
# `pg_cluster.sh stop STATE_DIR` stops it and removes both directories. ctest runs these as the
# fixture `pg_cluster` (tests/CMakeLists.txt).
#
# initdb and postgres refuse to run as root: as root (CI runs `make test` as root) the cluster
# belongs to `nobody` and its commands run through runuser; as anyone else, to that user.
set -euo pipefail

command=${1:?usage: pg_cluster.sh start|stop STATE_DIR}
state=${2:?usage: pg_cluster.sh start|stop STATE_DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "pg_cluster: no PostgreSQL server binaries under /usr/lib/postgresql; run scripts/install-deps.sh" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u nobody -- "$@"
  else
    "$@"
  fi
}

stop() {
  if [ -f "$state/data" ]; then
    local data
    data=$(cat "$state/data")
    if [ -d "$data/cluster" ]; then
      as_owner "$bin/pg_ctl" -D "$data/cluster" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$data"
  fi
  rm -rf "$state"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  stop  # a cluster left behind by an interrupted run
  mkdir -p "$state"
  local data
  data=$(mktemp -d /tmp/auditsync-pg.XXXXXX)
  echo "$data" >"$state/data"
  od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$data/password"
  if [ "$(id -u)" -eq 0 ]; then chown -R nobody "$data"; fi
  chmod 700 "$data"
  as_owner "$bin/initdb" -D "$data/cluster" -U auditsync --pwfile="$data/password" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$data/initdb.log" 2>&1 || {
    cat "$data/initdb.log" >&2
    exit 1
  }
  # Durability is not what the tests are about: no fsync makes each test database cheap. The
  # benchmark (PG_CLUSTER_DURABLE=1) keeps PostgreSQL's defaults, as a real server has them.
  local options="-c listen_addresses=127.0.0.1 -k $data -c max_connections=60"
  options+=" ${PG_CLUSTER_OPTIONS:-}"  # more server settings, e.g. to profile a benchmark
  if [ "${PG_CLUSTER_DURABLE:-0}" != 1 ]; then
    options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  local port
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_owner "$bin/pg_ctl" -D "$data/cluster" -l "$data/server.log" -w -t 60 \
      -o "$options -p $port" start >/dev/null 2>&1; then
      cp "$data/password" "$state/password"
      echo "postgresql://auditsync@127.0.0.1:$port/postgres" >"$state/url"
      echo "pg_cluster: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($data)"
      return 0
    fi
    echo "pg_cluster: port $port: start failed (attempt $attempt)" >&2
  done
  cat "$data/server.log" >&2
  exit 1
}

case "$command" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: pg_cluster.sh start|stop STATE_DIR" >&2; exit 2 ;;
esac
