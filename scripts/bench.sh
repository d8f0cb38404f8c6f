#!/usr/bin/env bash
# `make bench [ONLY=name]`: every bench/<name>.py on SQLite, then on a throw-away
# PostgreSQL 15 cluster.  Each prints its ratio against a baseline measured in the same run
# and writes bench/results/<name>-<database>.json.  See ../shared/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev >/dev/null
only=${1:-}
scripts=()
for f in bench/*.py; do
  name=$(basename "$f" .py)
  case "$name" in harness|__init__) continue ;; esac
  [ -z "$only" ] || [ "$only" = "$name" ] || [ "$only" = "${name//_/-}" ] || continue
  scripts+=("bench.$name")
done
[ ${#scripts[@]} -gt 0 ] || { echo "bench: nothing matches '$only'" >&2; exit 2; }
echo "machine: $(nproc) cpus, $(free -g | awk '/Mem:/ {print $2}') GiB"

for s in "${scripts[@]}"; do env -u DATABASE_URL CASHLOOP_VAR_DIR=var .venv/bin/python -m "$s"; done

source scripts/pg.sh
trap pg_stop EXIT
pg_start
for s in "${scripts[@]}"; do
  # A fresh database per script, so that no script measures another's data.
  psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "DROP DATABASE IF EXISTS cashloop" -c "CREATE DATABASE cashloop"
  .venv/bin/python -m "$s"
done
