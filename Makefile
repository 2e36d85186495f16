# One-command set-up: every target creates the virtual environment and installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

PROFILE  ?= full
# The chapters `make book` executes (templates in notebooks/), one per line: add a new chapter
# here and in _toc.yml.  `make book CHAPTERS=study_004` reruns one chapter and rebuilds the book.
CHAPTERS ?= \
	study_000 \
	study_001 \
	study_002 \
	study_003 \
	study_004 \
	speed \
	untied \
	synthesis \
	claims
# Chapters whose full-profile sweep is still being computed (hours of CPU; it resumes where it
# stopped): the full `make book` renders their committed pages, made from the stored records with
# `-p stored_only True` and saying what is missing, instead of running the rest of the sweep.
# The quick profile runs them like every other chapter.
PENDING ?=
RUN_CHAPTERS := $(if $(filter full,$(PROFILE)),$(filter-out $(PENDING),$(CHAPTERS)),$(CHAPTERS))
# book/ holds the full profile only (the published book); any other profile is built in a copy.
BOOK_DIR := $(if $(filter full,$(PROFILE)),book,_build/book-$(PROFILE))

.PHONY: help test data bench book chapters clean-venv draw-export test-draw
.DEFAULT_GOAL := help

## help: list the targets (what `make` with no target prints)
help:
	@echo "make TARGET — the targets, each with what it does:"
	@sed -n 's/^## //p' $(MAKEFILE_LIST) | sed 's/^/  /'

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e .
	touch $(STAMP)

## data: fetch and verify MNIST and Fashion-MNIST into data/ (SHA-256 checked)
data: $(STAMP)
	$(PY) -m nnlib.data fetch mnist fashion-mnist

## test: install, fetch the datasets, run the whole test suite (-rs: says why a test was skipped)
test: data
	$(PY) -m pytest -q -rs

## bench: the speed benchmark (python -m nnlib.book.bench)
bench: data
	$(PY) -m nnlib.book.bench

## chapters: execute the chapter templates (PROFILE=full, the default, or quick) into $(BOOK_DIR);
## each replaces its page only if every cell ran (python -m nnlib.book.chapter)
chapters: data
	$(PY) -m nnlib.book.chapter run $(RUN_CHAPTERS) --profile $(PROFILE) --into $(BOOK_DIR)

## book: install, fetch the data, run every chapter, refuse a chapter with an error output, build
## the HTML into $(BOOK_DIR)/_build/html and check every page (.ci/check_book.py) and that the
## site works from a static file server with no internet (.ci/check_site.py)
book: chapters
	$(PY) -m nnlib.book.chapter check $(CHAPTERS:%=$(BOOK_DIR)/%.ipynb) --profile $(PROFILE)
	$(VENV)/bin/jupyter-book build -q $(BOOK_DIR)   # -q: warnings only, not Sphinx's status
	$(PY) .ci/check_book.py --book $(BOOK_DIR) --profile $(PROFILE)
	$(PY) .ci/check_site.py $(BOOK_DIR)/_build/html

## draw-export: retrain the draw page's networks from the stored runs now available (checked
## against their records; one process, one BLAS thread) and write book/_extra/draw/
draw-export: data
	OPENBLAS_NUM_THREADS=1 $(PY) -m nnlib.book.export

## test-draw: the draw page in headless Chromium against nnlib, and every page's layout at
## 1280 x 900 (tests/test_layout.py; needs Debian's chromium and chromium-driver);
## BOOK_HTML=book/_build/html tests a built book instead of building one
test-draw: $(STAMP)
	NNLIB_BOOK_HTML=$(BOOK_HTML) $(PY) -m pytest -q -rs tests/test_draw_page.py tests/test_export.py tests/test_layout.py

clean-venv:
	rm -rf $(VENV)
