# The two commands a newcomer needs: `make demo` (set up, play the built-in flood drill, then play
# it again live with the console up until Ctrl-C) and `make test` (set up, then lint, type-check and
# run the whole suite, the console's browser tests in Debian's chromium included).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Front-end libraries from npm through the lockfile (the console's Preact, htm and ECharts; Swagger
# UI for /api/docs), served as they are: no build step. Their install scripts are not run.
WEB_STAMP := web/node_modules/.installed

.PHONY: setup demo test lint bench bench-console bench-backtest drill-report soak clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(WEB_STAMP): web/package-lock.json
	npm ci --prefix web --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(WEB_STAMP)

setup: $(STAMP) $(WEB_STAMP)

demo: $(STAMP) $(WEB_STAMP)
	$(BIN)/warning demo --decision-log var/demo-decisions.jsonl --cap-out var/demo-cap
	$(BIN)/warning console --demo

lint: $(STAMP) $(WEB_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/warning lint --rules rules --organisation org/jinan.yaml --templates org/aliyun-templates.yaml --no-pages

test: lint
	$(BIN)/pytest -n 2 --dist loadfile

bench: $(STAMP)
	$(BIN)/python bench/pipeline.py

# The console in Chromium with 1,000 open incidents (a few minutes).
bench-console: $(STAMP) $(WEB_STAMP)
	$(BIN)/python bench/console.py

# Backtest throughput on 1,000,000 readings, and the report of a 24 h city drill (a few minutes).
bench-backtest: $(STAMP)
	$(BIN)/python bench/backtest.py

# The bundled drill's after-action report, and its variant's (which misses an expectation on purpose).
drill-report: $(STAMP)
	$(BIN)/warning drill report scenarios/flood-drill.yaml --out var/flood-drill
	-$(BIN)/warning drill report scenarios/flood-drill-deputy-away.yaml --out var/flood-drill-deputy-away

# Outside CI (about half an hour): the crash test with 1,000 kills on SQLite, and on PostgreSQL
# with two engines sharing the database.
soak: $(STAMP)
	WARNING_SOAK_KILLS=1000 $(BIN)/pytest -s -p no:cacheprovider --timeout=7200 tests/test_crash_recovery.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache web/node_modules
