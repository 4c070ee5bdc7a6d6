#!/usr/bin/env bash
# Install everything Guildhall needs, once: the virtualenv with the package and its dev
# dependencies, the Meilisearch binary and GraphiQL's files in a cache folder outside the clone.
# Re-running is fast: nothing is reinstalled unless pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python packages"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[dev]'
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi
if [ -z "${MEILI_URL:-}" ]; then
  scripts/install-meilisearch.sh
fi
scripts/install-graphiql.sh
