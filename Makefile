# Qise: `make run` starts everything on this machine, `make test` checks it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

WEB := services/console/web
WEB_SOURCES := $(shell find $(WEB)/src $(WEB)/openapi $(WEB)/index.html $(WEB)/vite.config.ts $(WEB)/package-lock.json -type f 2>/dev/null)

.PHONY: run test lint unit bench clean web web-check node

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node:
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { \
	  echo "The console's web app needs Node.js 20 and npm to build (services/console/web)."; \
	  echo "Install them (Debian: apt-get install nodejs npm), then run make again."; exit 1; }

$(WEB)/node_modules/.installed: $(WEB)/package-lock.json | node
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(WEB)/dist/index.html: $(WEB)/node_modules/.installed $(WEB_SOURCES)
	cd $(WEB) && npm run --silent build -- --logLevel warn

## web: build the console's web app into services/console/web/dist (what the console serves)
web: $(WEB)/dist/index.html

## web-check: the web app's type check (vue-tsc) and unit tests (Vitest)
web-check: $(WEB)/node_modules/.installed
	cd $(WEB) && npm run --silent typecheck && npm run --silent test -- --reporter=dot

## run: start the broker, migrate and serve the four services and the console (Ctrl-C stops all)
run: $(VENV)/.installed web
	$(BIN)/qise up

## test: ruff, mypy, the web app's build, type check and unit tests, then the whole pytest
## suite on the real PostgreSQL and broker
test: lint web web-check
	$(BIN)/pytest --durations=20

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

## unit: the fast tests that need no database or broker
unit: $(VENV)/.installed
	$(BIN)/pytest tests/unit

## bench: benchmarks against baselines of the same run: a table, bench/results/latest.json (< 10 min;
## the first run builds the 1M events and the 100k/1M/10M query databases it caches: longer)
bench: $(VENV)/.installed
	$(BIN)/python -m bench

clean:
	rm -rf var .mypy_cache .ruff_cache .pytest_cache $(WEB)/dist
