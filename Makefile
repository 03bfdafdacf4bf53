# Two entry points for a fresh machine with Python 3.11+: `make demo` and `make test`.
# Each creates its own virtual environment in .venv (override with VENV=...).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test lint typecheck unit install install-dev clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## demo: read the bundled example conversations (every format) and show what heard found
demo: $(VENV)/.installed
	$(BIN)/heard formats
	$(BIN)/heard read examples/ --to table
	@mkdir -p out
	$(BIN)/heard read examples/ --out out/conversations.jsonl
	@echo "Native JSONL written to out/conversations.jsonl"

## test: lint, type-check and run the whole test suite
test: lint typecheck unit

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy src

unit: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n 2 -q

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
