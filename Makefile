# Storefront BFF — everything a developer runs. Needs only Python 3.11; the rest comes from PyPI.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test lint format schema bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev,bench]'
	@touch $(STAMP)

install: $(STAMP)

run: install  ## serve the seeded store on http://127.0.0.1:8000/graphql
	$(BIN)/bff seed --if-empty
	HOST=$(HOST) PORT=$(PORT) $(BIN)/bff serve

test: install  ## the whole suite
	$(BIN)/pytest

lint: install  ## ruff, mypy (strict) and the schema drift check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/bff export-schema --check

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

schema: install  ## regenerate schema.graphql from the code
	$(BIN)/bff export-schema

bench: install  ## the benchmark harness (ratios, see bench/README.md)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
