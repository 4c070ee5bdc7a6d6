#!/usr/bin/env bash
# Install Debian's chromium (for the browser test of GraphiQL) unless a chromium is already
# there. Needs root (or sudo) and apt-get; prints why not and exits 1 otherwise.
set -euo pipefail
for candidate in "${CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    exit 0
  fi
done
if ! command -v apt-get >/dev/null; then
  echo "install-chromium: no chromium and no apt-get; install chromium and set CHROMIUM=/path/to/it" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "install-chromium: chromium is missing; run 'apt-get install chromium' as root" >&2
    exit 1
  fi
fi
echo "setup: installing Debian's chromium (apt-get)"
export DEBIAN_FRONTEND=noninteractive
# A stale package list (fresh container) makes install fail: refresh it once, then retry.
if ! $SUDO apt-get install -y --no-install-recommends chromium >/dev/null; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y --no-install-recommends chromium >/dev/null
fi
/usr/bin/chromium --version >/dev/null
