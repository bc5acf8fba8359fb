# The two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test docs bench clean venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[all]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/segstat demo --out segstat-demo

test: $(STAMP)
	$(BIN)/ruff check src
	$(BIN)/mypy src
	$(BIN)/python -m pytest -q -p no:cacheprovider -n auto

docs: $(STAMP)
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

bench: $(STAMP)
	@echo "see benchmarks/README.md: the peer benchmarks need a separate Python 3.12 environment"

clean:
	rm -rf $(VENV) docs/_build segstat-demo build src/*.egg-info
