# One set of commands for people and CI.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The suite runs on every core (pytest-xdist); PYTEST_ARGS="-n 0 -x" for one process.
PYTEST_ARGS ?= -n auto
# `make fuzz`: fuzzed requests per operation and token (FUZZ_SEED=<n> replays a run's seed).
FUZZ_EXAMPLES ?= 5000
FUZZ_RUN := FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_DATABASES=sqlite,postgresql scripts/with-postgres

.PHONY: run test fuzz lint typecheck format check bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP) ## Serve on http://127.0.0.1:8000 (demo mode without DNSimple credentials)
	$(BIN)/dns-api serve

test: $(STAMP) ## The whole suite, on SQLite and PostgreSQL
	scripts/with-postgres $(BIN)/python -m pytest $(PYTEST_ARGS)

# Two passes, so that a failure in the coverage phase (explicit examples) does not keep
# Hypothesis from fuzzing that operation; both run, and the target fails if either did.
fuzz: $(STAMP) ## Long schema fuzzing of every operation (SQLite and PostgreSQL)
	FUZZ_PHASES=examples,coverage $(FUZZ_RUN) $(BIN)/python -m pytest tests/security/test_fuzz.py $(PYTEST_ARGS); \
	coverage=$$?; \
	FUZZ_PHASES=fuzzing $(FUZZ_RUN) $(BIN)/python -m pytest tests/security/test_fuzz.py $(PYTEST_ARGS) \
	&& exit $$coverage

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: lint typecheck test

# The load table (needs wrk: apt-get install wrk); BENCH_ARGS="--records 100000 --workers 2"...
BENCH_ARGS ?=
bench: $(STAMP) ## Requests/s, p50/p99, DNSimple calls and CPU per request, as ratios to bare FastAPI
	$(BIN)/python bench/load.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
