# ketacare: `make demo` to try it, `make test` to check everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test check fmt bench bench-load serve migrate vendor clean test-sqlite test-postgres test-browser test-deploy

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)

## Run the product on SQLite with the synthetic demo clinic, at http://127.0.0.1:8000
demo: $(STAMP)
	@KETACARE_DEMO=true $(PY) manage.py migrate --no-input -v0
	@KETACARE_DEMO=true $(PY) manage.py demo_seed
	@echo; echo "ketacare demo: http://127.0.0.1:8000/  (staff sign-in; patients: http://127.0.0.1:8000/portal/login/)"; echo
	@KETACARE_DEMO=true $(PY) manage.py worker --interval 30 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  KETACARE_DEMO=true $(PY) manage.py runserver 127.0.0.1:8000

## Everything CI runs: static checks, tests on SQLite, on PostgreSQL, in Chromium, and the
## production configuration served by gunicorn on PostgreSQL.
test: $(STAMP) check test-sqlite test-postgres test-browser test-deploy
	@echo "make test: all checks and test runs passed"

check: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy ketacare
	$(VENV)/bin/lint-imports
	KETACARE_TESTING=true $(PY) manage.py makemigrations --check --dry-run
	KETACARE_TESTING=true $(PY) manage.py check --fail-level WARNING

test-sqlite: $(STAMP)
	$(VENV)/bin/pytest -m "not browser" -q

test-postgres: $(STAMP)
	scripts/with-postgres.sh $(VENV)/bin/pytest -m "not browser" -q

test-browser: $(STAMP)
	$(VENV)/bin/pytest -m browser -q

## The deploy recipe, run: roles, migrate, check --deploy, collectstatic, gunicorn, requests.
test-deploy: $(STAMP)
	scripts/with-postgres.sh $(PY) scripts/smoke_production.py

fmt: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Benchmarks (run on purpose; results go to docs/benchmarks.md by hand with date and machine)
bench: $(STAMP)
	$(VENV)/bin/pytest bench -q --benchmark-only --benchmark-columns=min,median,mean,max,rounds

## Load run of the deployed stack (gunicorn + PostgreSQL, production settings); see
## docs/benchmarks.md. BENCH_ARGS="--configs sync4,gthread2x4-pool --duration 90"
bench-load: $(STAMP)
	scripts/with-postgres.sh $(PY) bench/load/run.py $(BENCH_ARGS)

vendor:
	scripts/vendor.sh

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
