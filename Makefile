# One-command set-up: every target creates the virtual environment and installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: test data bench clean-venv

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e .
	touch $(STAMP)

## data: fetch and verify MNIST and Fashion-MNIST into data/ (SHA-256 checked)
data: $(STAMP)
	$(PY) -m nnlib.data fetch mnist fashion-mnist

## test: install, fetch the datasets, run the whole test suite
test: data
	$(PY) -m pytest -q

## bench: the speed benchmark (python -m nnlib.bench)
bench: data
	$(PY) -m nnlib.bench

clean-venv:
	rm -rf $(VENV)
