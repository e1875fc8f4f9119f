# liveblog: `make demo` to see it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install lock demo serve test test-fast test-sqlite test-postgres lint bench clean

# Everything installs from requirements.lock, pinned with hashes: an upgrade of a dependency
# (uvicorn above all, whose HTTP protocol the hub extends) happens only through `make lock`.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

# Re-resolve every dependency to its newest allowed release and pin it with hashes.
# Review the diff of requirements.lock, run `make test`, then commit both files.
lock:
	$(BIN)/pip install --quiet --disable-pip-version-check pip-tools
	$(BIN)/pip-compile --quiet --upgrade --generate-hashes --allow-unsafe --extra dev \
		--strip-extras --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

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

# The edit-run loop, about four minutes: SQLite only, no browser, no cluster of nodes, and none
# of the tests marked slow (servers, subprocesses, whole matrices; see tests/conftest.py).
test-fast: $(STAMP)
	LIVEBLOG_TEST_DATABASE=sqlite $(BIN)/pytest -q -x -m "not browser and not heavy and not slow" --ignore=tests/deploy

test-sqlite: $(STAMP)
	LIVEBLOG_TEST_DATABASE=sqlite $(BIN)/pytest -q

test-postgres: $(STAMP)
	LIVEBLOG_TEST_DATABASE=$(PG_TEST_URL) $(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/reader_page.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
