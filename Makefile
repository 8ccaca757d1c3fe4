# TWP: `make run` starts everything, `make test` proves it. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | sha1sum | cut -c1-12)
MANAGE := $(PY) manage.py

.PHONY: install run test lint messages makemessages test-tools chromium clean bench-import bench-workers bench-allocation bench-jobs bench-savings bench-observatory wrk

install: $(STAMP) .env

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

# Development settings: DEBUG on and a random secret key, never committed.
.env:
	@printf 'DEBUG=true\nSECRET_KEY=dev-%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_hex(32))')" > $@
	@echo "Wrote .env for development (DEBUG on)."

messages: install
	@$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v 0

makemessages: install
	$(MANAGE) update_catalogue

run: install messages
	exec $(PY) -m twp.supervisor

lint: install
	$(VENV)/bin/ruff check .

# What the browser and accessibility suites need: axe-core (npm, locked) and Debian's Chromium.
test-tools: node_modules/.installed chromium

node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	@touch $@

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's Chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Debian's Chromium. Run: sudo apt-get install -y chromium"; exit 1; \
	  fi; \
	fi

test: install messages lint test-tools
	$(PY) -m pytest

# Benchmarks (PERFORMANCE.md): bounded, 127.0.0.1 only; the first run generates 1,000,000 workers
# into the embedded database (minutes), later runs reuse them.
bench-workers: install wrk
	$(PY) -m bench.workers

# Selection and allocation (issue 8): candidates p95, the commit phase (G9) and a whole season, in a
# database of its own (twp_bench_allocation); the first run generates 100,000 workers and a season.
bench-allocation: install
	$(PY) -m bench.allocation

# The nightly jobs (issue 10, G10): expiry + reminders over 1,000,000 contracts, 20,000 ending that
# day, in a database of its own (twp_bench_jobs); BENCH_CONTRACTS=100000 for a tenth of it.
bench-jobs: install
	$(PY) -m bench.jobs

# The savings ledger (issue 11, G11 and G12): one balance, the ledger page, the whole reconciliation
# of 10,000,000 entries and a payroll of 5,000 lines, in a database of its own (twp_bench_savings);
# the first run generates 100,000 workers and their ledger (about 5 minutes), later runs reuse it.
bench-savings: install
	$(PY) -m bench.savings

# The Observatory (issue 13): the facts refresh, the public tables and the staff dashboard over
# 1,000,000 workers and ~1,350,000 contracts of three seasons, in a database of its own
# (twp_bench_observatory); the first run generates them (minutes); BENCH_WORKERS=10000 for a quick one.
bench-observatory: install
	$(PY) -m bench.observatory

wrk:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else \
	    echo "The benchmarks need wrk. Run: sudo apt-get install -y wrk"; exit 1; \
	  fi; \
	fi

clean:
	-$(PY) -c "from twp import embedded; embedded.reset()"
	rm -rf $(VENV) node_modules test-artifacts

# A 50,000-row worker import through a real Celery worker; prints the time (not a timed test).
bench-import: install messages
	IMPORT_ROWS=50000 $(PY) -m pytest tests/imports/test_celery_import.py -k large -s -q
