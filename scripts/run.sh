#!/usr/bin/env bash
# `make run`: set up, migrate the SQLite database under var/, load the demo company into an
# empty database, create the administrator (password printed once), then serve the app on
# http://127.0.0.1:8000 with gunicorn and run the background worker.  Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh --runtime
bash scripts/setup.sh

cl=.venv/bin/cashloop
# One cache for the web workers and the background worker, so that an import's progress
# and the API's rate limits are counted once (decisions 061 and 066).
export CACHE_URL=${CACHE_URL:-filecache://$PWD/var/cache}
$cl migrate --noinput -v0
$cl collectstatic --noinput -v0
$cl seed --size demo --if-empty
$cl createadmin

pids=()
stop() {
  trap - INT TERM EXIT
  echo "stopping Cashloop…"
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

$cl worker & pids+=($!)
$cl serve & pids+=($!)
# Whichever stops first (or Ctrl-C) stops the other.
wait -n "${pids[@]}" || true
