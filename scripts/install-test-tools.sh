#!/usr/bin/env bash
# What the test suite needs beyond the virtualenv, installed once and only when missing:
# Debian's chromium (the browser test of GraphiQL), and the Node packages of tests/node/
# (playwright-core, Apollo Client, graphql-http) from the npm registry, exactly as locked,
# into ${GUILDHALL_CACHE:-~/.cache/guildhall}/node-tools-<hash of the lock>/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-chromium.sh
CACHE="${GUILDHALL_CACHE:-$HOME/.cache/guildhall}"
HASH=$(cat tests/node/package.json tests/node/package-lock.json | sha256sum | cut -c1-16)
TARGET="$CACHE/node-tools-$HASH"  # tests/node/__init__.py finds it by the same hash
if [ -f "$TARGET/.complete" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "install-test-tools: npm is needed" >&2; exit 1; }
echo "setup: installing the Node test tools into $TARGET"
mkdir -p "$CACHE"
work=$(mktemp -d "$CACHE/.node-tools.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp tests/node/package.json tests/node/package-lock.json "$work/"
(cd "$work" && npm ci --silent --no-audit --no-fund --ignore-scripts)
touch "$work/.complete"
rm -rf "$TARGET"
mv "$work" "$TARGET"
trap - EXIT
