#!/usr/bin/env bash
# `make test`: set up, lint, then the whole suite on SQLite, again on a throw-away
# PostgreSQL 15 cluster, then the browser tests in headless Chromium.  Exits non-zero on
# any failure.  Extra arguments go to every pytest run (e.g. -x, -k name).  The two database
# runs spread over one worker per core (pytest-xdist; CASHLOOP_TEST_WORKERS overrides, 0 runs
# in one process); the browser tests share one live server and run in one process.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-deps.sh
bash scripts/setup.sh --dev
export CASHLOOP_TESTING=1
py=.venv/bin/python
workers=(-n "${CASHLOOP_TEST_WORKERS:-auto}")

echo "== lint: ruff, mypy, migrations"
.venv/bin/ruff format --check --quiet .
.venv/bin/ruff check --quiet .
.venv/bin/mypy --no-error-summary
.venv/bin/cashloop makemigrations --check --dry-run -v0

echo "== tests on SQLite"
env -u DATABASE_URL $py -m pytest -q -m "not e2e" "${workers[@]}" "$@"

echo "== tests on PostgreSQL 15"
source scripts/pg.sh
trap pg_stop EXIT
pg_start
$py -m pytest -q -m "not e2e" "${workers[@]}" "$@"
pg_stop
trap - EXIT

echo "== browser tests (headless Chromium)"
env -u DATABASE_URL $py -m pytest -q -m e2e "$@"
