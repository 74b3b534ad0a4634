# The two commands a newcomer needs: `make demo` (set up, then play the built-in flood drill)
# and `make test` (set up, then lint, type-check and run the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench soak clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/warning demo --decision-log var/demo-decisions.jsonl

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/pipeline.py

# Outside CI (about half an hour): the crash test with 1,000 kills on SQLite, and on PostgreSQL
# with two engines sharing the database.
soak: $(STAMP)
	WARNING_SOAK_KILLS=1000 $(BIN)/pytest -s -p no:cacheprovider --timeout=7200 tests/test_crash_recovery.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
