#!/usr/bin/env bash
# Run the whole suite on SQLite and, when TEST_POSTGRES_URL is set, again on PostgreSQL.
# Each run creates and drops its own database. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTEST=(.venv/bin/python -m pytest)

run() {
  local label=$1; shift
  echo "== tests on $label =="
  "${PYTEST[@]}" "$@"
  local code=$?
  if [ $code -eq 5 ]; then
    echo "tests on $label: no tests were collected (pytest exit 5)" >&2
    return 1
  fi
  return $code
}

# chromium and the Node test tools (browser, Apollo Client and GraphQL-over-HTTP tests); when
# they cannot be installed those tests fail and say why, the others still run.
scripts/install-test-tools.sh || echo "test.sh: test tools missing (see above); their tests will fail" >&2

status=0
TEST_DATABASE=sqlite run SQLite "$@" || status=1
if [ -n "${TEST_POSTGRES_URL:-}" ]; then
  TEST_DATABASE=postgres run PostgreSQL "$@" || status=1
else
  echo "TEST_POSTGRES_URL is not set: PostgreSQL run skipped"
fi
exit $status
