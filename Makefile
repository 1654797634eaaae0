# `make run` and `make test` do all the set-up on a fresh machine (Python 3.11+).
VENV    ?= .venv
PYTHON  ?= python3
PORT    ?= 5000
BIN     := $(VENV)/bin
export FLASK_APP := app

.PHONY: run test test-postgres lint format install translations db bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("PeaceMap needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
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

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install translations
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

# The same suite with PostgreSQL holding the data and the search index (needs Debian's postgresql).
test-postgres: install translations
	PEACEMAP_TEST_BACKEND=postgres $(BIN)/pytest $(PYTEST_ARGS)

bench: install translations
	$(BIN)/python bench/profile_page.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
