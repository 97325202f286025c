# Two commands set up a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DB ?= $(or $(PCN_DB),data/pcn_futures.duckdb)
PORT ?= 8501

.PHONY: run test demo lint format clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(DB): | $(VENV)/.installed
	$(PY) -m pcn_data demo --db $(DB)

## run: install, build the demo database if missing, serve the dashboard on http://localhost:$(PORT)
run: $(VENV)/.installed $(DB)
	PCN_DB=$(DB) $(PY) -m streamlit run server.py --server.port $(PORT)

## test: lint, then the whole test suite
test: $(VENV)/.dev-installed lint
	$(PY) -m pytest

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: $(VENV)/.dev-installed
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

## demo: rebuild the demo database from scratch
demo: $(VENV)/.installed
	$(PY) -m pcn_data demo --db $(DB) --force

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
