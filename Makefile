# liveblog: `make demo` to see it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install demo serve test test-sqlite test-postgres lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/liveblog demo

serve: $(STAMP)
	$(BIN)/liveblog serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# The whole suite runs twice: on SQLite, then on a throwaway PostgreSQL database.
test: lint test-sqlite test-postgres

test-sqlite: $(STAMP)
	LIVEBLOG_TEST_DATABASE=sqlite $(BIN)/pytest -q

test-postgres: $(STAMP)
	LIVEBLOG_TEST_DATABASE=$(PG_TEST_URL) $(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/reader_page.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
