# Lumina Host. `make run` starts everything; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REQS := requirements/base.txt requirements/local.txt requirements/production.txt

.PHONY: run test lint bench install clean

$(STAMP): $(REQS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip uv
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements/local.txt -r requirements/production.txt
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m lumina.core.runner

test: $(STAMP)
	$(BIN)/python -m pytest --cov --cov-report=term $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
