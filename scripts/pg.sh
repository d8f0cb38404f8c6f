#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster on a free loopback port, for tests and benchmarks.
#   source scripts/pg.sh && pg_start   -> exports DATABASE_URL; pg_stop removes everything.
# The cluster runs as a non-root user (PostgreSQL refuses root): the invoking user, or,
# when that is root, the `postgres` system user that Debian's package creates.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

# Runs a PostgreSQL program as the cluster's user. Decided on each call, so that pg_stop
# also works from another shell than the one that ran pg_start (given PG_DIR).
_pg_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  PG_DIR=$(mktemp -d /tmp/cashloop-pg.XXXXXX)
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  if [ "$(id -u)" = 0 ]; then
    id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PG_DIR"
  fi
  _pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log"; return 1; }
  _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -o \
    "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50" \
    start >/dev/null || { cat "$PG_DIR/server.log"; return 1; }
  export PG_DIR PG_PORT
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/cashloop"
  echo "pg: PostgreSQL 15 on 127.0.0.1:$PG_PORT (fsync off, throw-away cluster in $PG_DIR)"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  unset PG_DIR DATABASE_URL
}
