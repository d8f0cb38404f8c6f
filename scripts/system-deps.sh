#!/usr/bin/env bash
# Install the system packages Cashloop needs when they are missing: Chromium for the browser
# tests, a CJK font so Chinese renders in screenshots and PDFs, GNU gettext for the
# translation check, PostgreSQL 15 for the second database run, and Pango for WeasyPrint's
# PDFs.  Debian packages.  `--runtime` installs only what the running app needs.
set -euo pipefail

need=()
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)
if [ "${1:-}" != "--runtime" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v xgettext >/dev/null || need+=(gettext)
  [ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
fi
# WeasyPrint (PDF statements) renders through Pango.
ldconfig -p | grep "libpangoft2-1.0.so.0" >/dev/null || need+=(libpango-1.0-0 libpangoft2-1.0-0)

if [ ${#need[@]} -gt 0 ]; then
  echo "system-deps: installing ${need[*]}"
  sudo_cmd=""
  if [ "$(id -u)" != 0 ]; then
    if ! command -v sudo >/dev/null; then
      echo "system-deps: need root or sudo to install ${need[*]}" >&2
      [ "${1:-}" = "--runtime" ] && { echo "system-deps: PDFs may not render without them" >&2; exit 0; }
      exit 1
    fi
    sudo_cmd="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
