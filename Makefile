# The two commands of the README: `make run` and `make test`. Each creates or updates .venv.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export PORTEFEUILLE_DEV ?= 1
# Two xdist workers per run; override with `make test PYTEST_WORKERS=4`.
PYTEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -p no:cacheprovider -n $(PYTEST_WORKERS)
# The apps that carry their own translations (portefeuille/<app>/locale).
LOCALE_APPS := $(patsubst %/locale,%,$(wildcard portefeuille/*/locale))
MYPY_PATHS := portefeuille $(if $(wildcard bench/*.py),bench)

.PHONY: run test test-full test-sqlite test-postgresql lint format messages bench

$(BIN)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

run: $(BIN)/.installed
	$(BIN)/portefeuille serve

# The whole suite twice: on SQLite, then on a throwaway PostgreSQL cluster — but for the
# longest proofs (marked full_on_postgresql: the HTTP differential and the canary sweep),
# which run on SQLite here and on PostgreSQL in `make test-full` (CI runs both targets).
test: lint test-sqlite test-postgresql

test-full: $(BIN)/.installed
	@if $(BIN)/python -m portefeuille.testing.pgcluster >/dev/null; then \
		PORTEFEUILLE_TEST_DB=postgresql $(PYTEST) -m full_on_postgresql; \
	else \
		echo "No PostgreSQL binaries (initdb, pg_ctl): the long proofs were not run on PostgreSQL."; \
		exit 1; \
	fi

test-sqlite: $(BIN)/.installed
	PORTEFEUILLE_TEST_DB=sqlite $(PYTEST)

test-postgresql: $(BIN)/.installed
	@if $(BIN)/python -m portefeuille.testing.pgcluster >/dev/null; then \
		PORTEFEUILLE_TEST_DB=postgresql $(PYTEST) -m "not full_on_postgresql"; \
	else \
		echo; \
		echo "################################################################"; \
		echo "##  NO POSTGRESQL BINARIES FOUND (initdb, pg_ctl)             ##"; \
		echo "##  THE POSTGRESQL RUN OF THE SUITE WAS SKIPPED.              ##"; \
		echo "##  Install them: apt-get install -y postgresql               ##"; \
		echo "################################################################"; \
		echo; \
	fi

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(MYPY_PATHS)
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(BIN)/.installed
	$(BIN)/python -m bench
	$(BIN)/python -m bench.contacts_pages
	$(BIN)/python -m bench.uploads
	$(BIN)/python -m bench.transfers
	$(BIN)/python -m bench.work_board
	$(BIN)/python -m bench.exports

# Updates every app's English catalogue, then compiles it. The .mo files are committed.
messages: $(BIN)/.installed
	@for app in $(LOCALE_APPS); do \
		echo "== $$app"; \
		(cd $$app && \
		 ../../$(BIN)/django-admin makemessages -l en --settings=portefeuille.settings --pythonpath=../.. && \
		 ../../$(BIN)/django-admin compilemessages --settings=portefeuille.settings --pythonpath=../..) || exit 1; \
	done
