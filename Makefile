# One-command set-up: every target creates the virtual environment and installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

PROFILE  ?= full
CHAPTERS := study_000 study_002 study_004

.PHONY: test data bench book chapters clean-venv draw-export test-draw

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

## chapters: execute every chapter template with papermill (PROFILE=full or quick) into book/
chapters: data
	@for c in $(CHAPTERS); do \
	  echo "running chapter $$c with the $(PROFILE) profile"; \
	  $(VENV)/bin/papermill notebooks/$$c.ipynb book/$$c.ipynb -p profile $(PROFILE) --progress-bar || exit 1; \
	done

## book: install, fetch the data, run every chapter, build the HTML into book/_build/html
book: chapters
	$(VENV)/bin/jupyter-book build book/

## draw-export: retrain the draw page's networks from the stored runs now available (checked
## against their records; one process, one BLAS thread) and write book/_extra/draw/
draw-export: data
	OPENBLAS_NUM_THREADS=1 $(PY) -m nnlib.export

## test-draw: the draw page in headless Chromium against nnlib (needs Debian's chromium and
## chromium-driver); BOOK_HTML=book/_build/html tests the built book instead of a one-page build
test-draw: $(STAMP)
	NNLIB_BOOK_HTML=$(BOOK_HTML) $(PY) -m pytest -q tests/test_draw_page.py tests/test_export.py

clean-venv:
	rm -rf $(VENV)
