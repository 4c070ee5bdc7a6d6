#!/usr/bin/env bash
# Fetch the files of GraphiQL that Guildhall serves itself (no CDN: the IDE works offline)
# from the npm registry into ${GUILDHALL_CACHE:-~/.cache/guildhall}/graphiql-<version>/,
# unless they are already there. Every package is pinned by version and registry integrity.
# The Docker image runs this at build time (see Dockerfile).
set -euo pipefail
VERSION=4.1.2  # keep in step with api/graphiql.py GRAPHIQL_VERSION
CACHE="${GUILDHALL_CACHE:-$HOME/.cache/guildhall}"
TARGET="$CACHE/graphiql-$VERSION"
# package spec | sha512 integrity | file in the package -> file served
PACKAGES=(
  "react@18.3.1|sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==|umd/react.production.min.js:react.production.min.js"
  "react-dom@18.3.1|sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==|umd/react-dom.production.min.js:react-dom.production.min.js"
  "graphiql@$VERSION|sha512-rNlzQIAzm6i2KBXmVQWBgLvt0TloxFVB2d18bukvdsvjEuFDHsKx5IVOomL1W1o5WW+tE54+ioHb2AEKzO2cUg==|graphiql.min.js:graphiql.min.js graphiql.min.css:graphiql.min.css"
  "@graphiql/plugin-explorer@4.0.6|sha512-TppIi92YPER3v70nlF01KTQrq9AiYqkZicSd1hpU7aqGmbqw/pLwBNLUEcfENBoJtw574Qxjswb01+GaYK0Tzw==|dist/index.umd.js:plugin-explorer.umd.js dist/style.css:plugin-explorer.css"
)
if [ -f "$TARGET/.complete" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "install-graphiql: npm is needed to fetch GraphiQL $VERSION" >&2; exit 1; }
echo "setup: fetching GraphiQL $VERSION (with React and the explorer plugin) into $TARGET"
mkdir -p "$CACHE"
work=$(mktemp -d "$CACHE/.download.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/out"
for entry in "${PACKAGES[@]}"; do
  IFS='|' read -r spec integrity files <<<"$entry"
  mkdir "$work/pkg"
  got=$(cd "$work/pkg" && npm pack --silent --json "$spec" \
    | node -e 'let s = ""; process.stdin.on("data", d => s += d).on("end", () => console.log(JSON.parse(s)[0].integrity))')
  if [ "$got" != "$integrity" ]; then
    echo "install-graphiql: $spec has integrity $got, expected $integrity" >&2
    exit 1
  fi
  tar xzf "$work"/pkg/*.tgz -C "$work/pkg"
  for pair in $files; do
    cp "$work/pkg/package/${pair%%:*}" "$work/out/${pair##*:}"
  done
  name=${spec%@*}
  cp "$work/pkg/package/LICENSE" "$work/out/LICENSE.${name//\//-}" 2>/dev/null || true
  rm -rf "$work/pkg"
done
touch "$work/out/.complete"
rm -rf "$TARGET"
mv "$work/out" "$TARGET"
