# Two commands for a newcomer: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8000
HOST   ?= 127.0.0.1
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: setup run serve test test-postgres lint worker bench load mutation-redact mutation-allowlist content-check clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(DEVSTAMP): requirements-dev.txt requirements.txt $(STAMP)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## setup: virtualenv, pinned requirements, migrations, KB index (idempotent)
setup: $(STAMP)
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py kb_build

## run: set up, then serve on http://$(HOST):$(PORT)/ (embedded SQLite, no broker needed)
run: setup
	$(PY) manage.py runserver $(HOST):$(PORT)

## serve: production-style server: gunicorn, static files by WhiteNoise (see README, "Deploying")
##        WORKERS (default 2), PORT, HOST; production sets DJANGO_DEBUG=0 and the rest.
WORKERS ?= 2
serve: setup
	$(BIN)/gunicorn config.wsgi --workers $(WORKERS) --bind $(HOST):$(PORT) \
		--access-logfile - --max-requests 2000 --max-requests-jitter 200

## test: set up (with test tools), then the whole suite on SQLite, then again on PostgreSQL
test: setup $(DEVSTAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) manage.py kb_build --check
	$(PY) bench/train_ranker.py --check
	$(BIN)/pytest
	$(MAKE) --no-print-directory test-postgres

## test-postgres: the database-backed tests on PostgreSQL (skips with a note when none answers);
## browser, slow and lab tests ran on SQLite already and do not depend on Django's database
test-postgres: $(DEVSTAMP)
	@if $(PY) scripts/pg_available.py; then \
		DATABASE_URL=$${KB_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres} \
		$(BIN)/pytest -m "not browser and not slow and not lab" -q -p no:cacheprovider; \
	else \
		echo "PostgreSQL is not reachable: skipped the PostgreSQL run (start it, or run .ci/run)"; \
		if [ "$$CI" = "true" ]; then exit 1; fi; \
	fi

## worker: a Celery worker for live checks (needs CELERY_BROKER_URL)
worker: setup
	$(BIN)/celery -A config worker -Q kb-checks -l INFO

## mutation-redact: mutation testing of diagnostics/redact.py (slow; not part of `make test`)
mutation-redact: $(DEVSTAMP)
	$(PY) scripts/mutation_redact.py

lint: $(DEVSTAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/ruff format --check .

bench: setup $(DEVSTAMP)
	$(PY) bench/search.py
	$(PY) bench/diagnose.py --entries 10000 --paste-lines 100
	$(PY) bench/check_broker.py
	$(PY) bench/hostile_pastes.py

## load: 64 connections against `make serve` on loopback (see bench/load.py --help)
load: setup
	$(PY) bench/load.py --serve

## mutation-allowlist: mutmut over diagnostics/checks/allowlist.py (see docs/mutation-testing.md)
mutation-allowlist: $(DEVSTAMP)
	$(PY) scripts/mutation.py diagnostics/checks/allowlist.py \
		tests/test_allowlist.py tests/test_checks_units.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
