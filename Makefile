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

## demo: analyse the bundled example conversations (every format): scorecards, evidence, report
demo: $(VENV)/.installed
	$(BIN)/heard read examples/ --to table
	$(BIN)/heard analyze examples/
	@mkdir -p out
	$(BIN)/heard analyze examples/ --format jsonl --out out/analysis.jsonl --quiet
	$(BIN)/heard analyze examples/ --format html --out out/report.html --quiet
	$(BIN)/heard import examples/ --db out/heard.db --quiet
	$(BIN)/heard followups generate --db out/heard.db
	@echo "Scorecards with evidence: out/analysis.jsonl; report: out/report.html; database: out/heard.db"

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
