# Guildhall: `make run` serves the API on the embedded default; `make test` checks the code
# (`make lint`) and runs the suite.
.PHONY: setup run lint fmt test test-sqlite bench schema migrations

setup:
	@scripts/setup.sh

run: setup
	@.venv/bin/guildhall serve

# ruff (rules and formatting) and mypy (strict on api/, Strawberry's plugin on schema/).
lint: setup
	@scripts/lint.sh

# Sort imports and format the code the way `make lint` checks it.
fmt: setup
	@.venv/bin/ruff check --select I --fix .
	@.venv/bin/ruff format .

test: setup lint
	@scripts/test.sh

test-sqlite: setup lint
	@TEST_POSTGRES_URL= scripts/test.sh

bench: setup
	@.venv/bin/python -m bench

schema: setup
	@.venv/bin/guildhall export-schema
	@.venv/bin/guildhall export-events

# After changing models: write the next migration of every changed app.
migrations: setup
	@DATABASE_URL=sqlite:///tmp/guildhall-makemigrations.sqlite3 .venv/bin/tortoise makemigrations
