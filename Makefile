# Remedia. `make run` and `make test` work on a fresh machine with Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test e2e lint audit bench bench-reads soak messages makemessages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Compiled catalogues are build products, never committed: the English one, and
# the es-MX one of source strings translated to themselves, which saves every
# Spanish lookup a walk through Django's catalogues (remedia/core/source_catalogue.py).
messages: $(STAMP)
	$(BIN)/pybabel compile --statistics -d remedia/locale -D django 2>&1 | tail -n 2
	REMEDIA_DEBUG=1 $(BIN)/remedia source-catalogue

# Debug logs are short readable lines (JSON in production); the demo's seeding
# logs warnings only, so its passwords and receipts stay readable.
run: messages
	mkdir -p var
	REMEDIA_DEBUG=1 $(BIN)/remedia migrate --noinput
	REMEDIA_DEBUG=1 REMEDIA_LOG_LEVEL=WARNING $(BIN)/remedia seed-demo
	REMEDIA_DEBUG=1 $(BIN)/remedia runserver 127.0.0.1:8000

# Both cores (or all of a bigger machine's): one worker process per core, each
# test file kept whole on one worker (its module fixtures made once).
PYTEST_WORKERS ?= auto
test: messages
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

e2e: messages
	$(BIN)/pytest -m e2e -n $(PYTEST_WORKERS) --dist loadfile

# The app order of docs/architecture.md, as import-linter contracts (pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	REMEDIA_DEBUG=1 $(BIN)/mypy remedia
	$(BIN)/lint-imports --no-cache

# pip-audit fails on any known vulnerability in the installed dependencies (one
# without a fix yet is acknowledged with --ignore-vuln ID) and, with --strict, on
# any package it could not look up: an audit that checked nothing must not pass.
# It needs the vulnerability database (PyPI's JSON API or OSV), which this
# project's build machines cannot reach, so it is not part of `lint`.
audit: $(STAMP)
	$(BIN)/pip-audit --strict --skip-editable --progress-spinner off

bench: messages
	$(BIN)/python -m bench
	$(BIN)/python -m bench.reads

# Staff reads with wrk against a bare-Django floor (apt-get install wrk).
bench-reads: messages
	$(BIN)/python -m bench.reads

# Ten minutes of mixed traffic from 32 clients against serve + worker + smtpd on
# PostgreSQL and Redis; fails on any error, memory growth, unbounded database
# connections or a queue left full (bench/soak.py, docs/operations.md).
SOAK_SECONDS ?= 600
SOAK_CLIENTS ?= 32
soak: messages
	SOAK_SECONDS=$(SOAK_SECONDS) SOAK_CLIENTS=$(SOAK_CLIENTS) $(BIN)/python -m bench.soak

# Needs GNU gettext (apt-get install gettext) on a developer's machine.
makemessages: $(STAMP)
	cd remedia && REMEDIA_DEBUG=1 ../$(BIN)/remedia makemessages -l en --no-obsolete --ignore=migrations

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
