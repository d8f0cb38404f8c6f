#!/usr/bin/env bash
# Set up a fresh clone: the virtualenv with pinned dependencies, front-end files, and the
# compiled translations.  Safe to run again: it only does what is missing or stale.
# Usage: scripts/setup.sh [--dev]   (--dev adds test and lint tools)
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[ "${1:-}" = "--dev" ] && dev=1
py=${PYTHON:-python3}

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$py" -m venv .venv
fi
extra=""
[ $dev = 1 ] && extra="[dev]"
stamp=".venv/.installed${extra:+-dev}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages${extra:+ (with dev tools)}"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extra}" 2>&1 \
    | grep -v "^WARNING: Location" || true
  .venv/bin/python -m pip check -q --disable-pip-version-check >/dev/null # fail loudly if install failed
  touch "$stamp"
fi

if [ ! -f node_modules/htmx.org/dist/htmx.min.js ] || [ ! -f node_modules/trix/dist/trix.css ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing front-end packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p cashloop/web/static/vendor
cp -u node_modules/htmx.org/dist/htmx.min.js cashloop/web/static/vendor/htmx.min.js
cp -u node_modules/trix/dist/trix.umd.min.js node_modules/trix/dist/trix.css cashloop/web/static/vendor/

# Compiled message catalogues are built here, not committed.  Babel compiles them, so a
# user's machine needs no GNU gettext (only `make messages` does, to extract strings).
for po in cashloop/locale/*/LC_MESSAGES/django.po; do
  mo="${po%.po}.mo"
  if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then
    .venv/bin/pybabel -q compile -i "$po" -o "$mo"
  fi
done
mkdir -p var/static
