# Lumina Host. `make run` starts everything; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest-xdist workers for `make test` (the suite waits on browsers, servers and workers
# as much as on the CPU, so two workers pay off even on two cores). A file's tests stay on
# one worker: some share one running app in order (tests/core/test_runner.py).
TEST_WORKERS ?= 2
REQS := requirements/base.txt requirements/local.txt requirements/production.txt

.PHONY: run dev test lint bench install clean screenshots messages

# Translations: .po (committed) -> .mo (built; pure Python, no GNU gettext needed).
MO := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))

$(STAMP): $(REQS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip uv
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements/local.txt -r requirements/production.txt
	@touch $(STAMP)

install: $(STAMP)

%.mo: %.po | $(STAMP)
	$(BIN)/python locale/compile.py $<

messages: $(MO)

# The product as production runs it (gunicorn + uvicorn workers, DEBUG off), supervised.
run: $(STAMP) messages
	$(BIN)/python -m lumina.core.runner

# For changing the code: runserver with autoreload and DEBUG on, with worker and beat.
dev: $(STAMP) messages
	$(BIN)/python -m lumina.core.runner --dev

test: $(STAMP) messages
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --cov --cov-report=term $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/bandit -c bandit.yaml -q -r lumina accounts gallery albums search webhooks
	requirements/audit.sh

bench: $(STAMP) messages
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage

# Retake the user guide's screenshots (docs/screenshots) from the browser tests.
screenshots: $(STAMP) messages
	LUMINA_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest tests/ui -q
