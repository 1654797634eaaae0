# `make run` and `make test` do all the set-up on a fresh machine (Python 3.11+).
VENV    ?= .venv
PYTHON  ?= python3
PORT    ?= 5000
BIN     := $(VENV)/bin
export FLASK_APP := app

.PHONY: run test test-postgres lint format install translations db bench clean browser-tools \
        scan-tools
TOOLS   := tests/browser/tools
# wapiti3 for tests/test_scan.py, in a virtualenv of its own: its pinned dependencies clash with
# ours. 3.2.3 is the newest release that runs on Python 3.11 (3.2.4 and later need 3.12+, which
# Debian 12 does not ship; 3.3 also renamed modules that tests/test_scan.py names).
WAPITI_VENV    := .venv-wapiti
WAPITI_VERSION ?= 3.2.3
WAPITI_PYTHON  ?= $(PYTHON)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("PeaceMap needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

translations: install
	$(BIN)/flask translate compile

db: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --if-empty
	$(BIN)/flask search rebuild --if-missing

run: install translations db
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install translations browser-tools scan-tools
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/pytest $(PYTEST_ARGS)

# The same suite with PostgreSQL holding the data and the search index (needs Debian's postgresql).
# Browser tests are left out: their live server is the same whatever the backend.
test-postgres: install translations scan-tools
	PEACEMAP_TEST_BACKEND=postgres $(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

# Lighthouse and the Nu HTML Checker for tests/browser/test_audits.py (npm; Java runs vnu.jar).
browser-tools:
	@if command -v npm >/dev/null 2>&1; then \
	  if [ ! -f $(TOOLS)/node_modules/.installed ] || [ $(TOOLS)/package-lock.json -nt $(TOOLS)/node_modules/.installed ]; then \
	    (cd $(TOOLS) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) && touch $(TOOLS)/node_modules/.installed; \
	  fi; \
	else \
	  echo "npm not found: the Lighthouse and HTML checks will be skipped (apt-get install nodejs npm default-jre-headless)"; \
	fi

# The web vulnerability scanner for tests/test_scan.py. Without PyPI the install fails quietly and
# the scan test says so (and fails in CI, where PEACEMAP_REQUIRE_ALL=1).
scan-tools:
	@if [ ! -f $(WAPITI_VENV)/.installed-$(WAPITI_VERSION) ]; then \
	  { $(WAPITI_PYTHON) -m venv --clear $(WAPITI_VENV) \
	    && $(WAPITI_VENV)/bin/python -m pip install --quiet --upgrade pip \
	    && $(WAPITI_VENV)/bin/python -m pip install --quiet 'wapiti3==$(WAPITI_VERSION)' \
	    && touch $(WAPITI_VENV)/.installed-$(WAPITI_VERSION); } \
	  || echo "wapiti3 $(WAPITI_VERSION) could not be installed: the web scan will be skipped (run \`make scan-tools\` with PyPI reachable)"; \
	fi

# Every benchmark on bench/corpus.py's realistic directory at BENCH_SIZE organisations (a few
# minutes each at 10,000; `make bench BENCH_SIZE=100000` for the issue's large figures).
# bench/load.py needs wrk (Debian's wrk) and is skipped without it.
BENCH_SIZE ?= 10000
bench: install translations
	$(BIN)/python bench/search.py $(BENCH_SIZE)
	$(BIN)/python bench/profile_page.py $(BENCH_SIZE)
	$(BIN)/python bench/map.py $(BENCH_SIZE)
	@if command -v wrk >/dev/null 2>&1; then $(BIN)/python bench/load.py $(BENCH_SIZE) 5 20; \
	else echo "wrk is not installed (apt-get install wrk): bench/load.py skipped"; fi

clean:
	rm -rf $(VENV) $(WAPITI_VENV) .pytest_cache .ruff_cache
