# The two commands a newcomer runs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
export FLASK_APP := hotline

.PHONY: install translations run test test-sqlite test-postgres bench lint clean

install: $(STAMP)

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %s)" % sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

translations: install
	$(BIN)/pybabel compile -d hotline/translations

run: install translations
	./scripts/run.sh

# The whole suite on SQLite and on PostgreSQL (its own database), the two halves side by side (one core
# each; each half's output is printed when it ends). Without CI a missing PostgreSQL skips that half; with
# CI=true it fails. `make test-sqlite` / `make test-postgres` run one half.
test: install translations
	$(MAKE) --no-print-directory -k -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: install translations
	$(BIN)/python -m pytest --db=sqlite $(PYTEST_ARGS)

# Its own Redis databases (12, 11, 10; the SQLite half keeps 15, 14, 13), so the halves side by side never
# flush or consume each other's queues (not TEST_REDIS_URL: that puts the testing configuration in Redis mode).
test-postgres: install translations
	TEST_TASKS_REDIS_URL=redis://127.0.0.1:6379/12 TEST_WORKER_REDIS_URL=redis://127.0.0.1:6379/11 \
	TEST_STATS_REDIS_URL=redis://127.0.0.1:6379/10 $(BIN)/python -m pytest --db=postgresql $(PYTEST_ARGS)

# Intake against the floor, then the mixed load at 1M calls / 100k cases (about 20 minutes in all).
# The statistics benchmarks (2M rows, longer) run with `$(BIN)/python bench/stats_bench.py`.
bench: install translations
	$(BIN)/python bench/intake.py $(BENCH_ARGS)
	$(BIN)/python bench/load_mix.py

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
