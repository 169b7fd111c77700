# Koza — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# `make run PORT=8001` serves on another port; links in emails and the
# calendar feed (SITE_URL) follow it unless SITE_URL is set.
PORT ?= 8000
SITE_URL ?= http://127.0.0.1:$(PORT)

# The newest Python >= 3.12 we can find: on PATH, then under pyenv.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { command -v $$p; break; }; done)

.PHONY: run test lint format bench messages worker clean help

help:
	@echo "make run    - install, migrate, load the demo course and serve http://127.0.0.1:8000 (PORT=8001 for another port)"
	@echo "make test   - the whole test suite on every core (set DATABASE_URL/REDIS_URL for the service tests; PYTEST_WORKERS=1 for one process)"
	@echo "make lint   - ruff check and format check"
	@echo "make bench  - benchmarks (needs PostgreSQL and Redis)"

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "Koza needs Python 3.12 or newer, and none was found on PATH or under pyenv."; \
		echo "Install one (e.g. 'pyenv install 3.13') or run: make PYTHON=/path/to/python3.12 run"; \
		exit 1; fi
	@test -x $(PY) || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

run: $(STAMP)
	DEBUG=1 SITE_URL='$(SITE_URL)' $(PY) manage.py migrate --no-input
	DEBUG=1 SITE_URL='$(SITE_URL)' $(PY) manage.py seed_demo
	@echo "Koza is serving http://127.0.0.1:$(PORT) (Ctrl-C stops it)"
	DEBUG=1 SITE_URL='$(SITE_URL)' $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The suite runs on every core (pytest-xdist, a test file per worker); the
# tests that assert a wall-clock budget (marker `timing`) run alone afterwards,
# so a neighbour's load cannot fail them. Exit code 5 is "no test selected".
PYTEST_WORKERS ?= auto
test: $(STAMP)
	DEBUG=1 $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not timing" $(PYTEST_ARGS) \
		|| [ $$? -eq 5 ]
	DEBUG=1 $(PY) -m pytest -m timing $(PYTEST_ARGS) || [ $$? -eq 5 ]

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(STAMP)
	DEBUG=1 $(PY) manage.py makemessages -l ja --no-obsolete --no-location --ignore=.venv --ignore=staticfiles --ignore=bench
	DEBUG=1 $(PY) manage.py compilemessages -l ja --ignore=.venv --ignore=staticfiles

worker: $(STAMP)
	$(VENV)/bin/celery -A lms worker -B --loglevel=INFO \
		-Q "$${CELERY_QUEUE:-koza},$${CELERY_HEAVY_QUEUE:-heavy}"

bench: $(STAMP)
	DEBUG=1 $(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
