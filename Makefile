# Qise: `make run` starts everything on this machine, `make test` checks it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint unit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

## run: start the broker, migrate and serve the four services (Ctrl-C stops all)
run: $(VENV)/.installed
	$(BIN)/qise up

## test: ruff, mypy and the whole pytest suite on the real PostgreSQL and broker
test: lint
	$(BIN)/pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

## unit: the fast tests that need no database or broker
unit: $(VENV)/.installed
	$(BIN)/pytest tests/unit

## bench: benchmarks against baselines of the same run: a table, bench/results/latest.json (< 10 min)
bench: $(VENV)/.installed
	$(BIN)/python -m bench

clean:
	rm -rf var .mypy_cache .ruff_cache .pytest_cache
