# Two commands for a newcomer (see README.md):
#   make book   set up .venv, execute every notebook and build the site into _build/html
#   make test   set up .venv, then: lossutils tests, nbval on every notebook, strict site build,
#               and the built site checked in a headless browser
# Also: make serve (local web server for the built site), make clean.
#
# Works from a fresh clone with only Python 3.11+ installed. Re-running is cheap: the
# virtual environment is re-installed only when requirements.txt or pyproject.toml changed,
# and notebooks are re-executed only when their code or lossutils changed.

PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8000
BIN        := $(VENV)/bin
BUILD      := _build
HTML       := $(BUILD)/html
# Installed when requirements.txt or pyproject.toml is newer than this file.
INSTALLED  := $(VENV)/.requirements-installed
# Jupyter Book's cache keys on a notebook's code cells only, so an edit to lossutils
# would not re-execute the notebooks that import it. This stamp records the lossutils
# (and environment) that the cached outputs were computed with.
LIB_STAMP  := $(BUILD)/.lossutils-stamp
LIB_FILES  := $(shell find lossutils -name '*.py' 2>/dev/null)
NOTEBOOKS  := $(wildcard book/*.ipynb)
# Everything else the site is built from. When none of it (nor lossutils, nor the installed
# packages) changed since the last successful build, `make book` has nothing to do and
# does not even start Jupyter Book (which alone takes seconds to find that out).
SITE_INPUTS := _config.yml _toc.yml $(shell find book _static _ext -type f \
                 -not -path '*/.ipynb_checkpoints/*' -not -path '*/__pycache__/*' 2>/dev/null)
SITE_STAMP  := $(HTML)/.built

# pytest-xdist workers for the notebook checks. Starting workers costs ~5 s here, which
# pays off from about three notebooks on; `make test NB_WORKERS=0` forces a serial run.
NB_WORKERS ?= $(if $(filter-out 0 1 2,$(words $(NOTEBOOKS))),2,0)

ifeq ($(NB_WORKERS),0)
XDIST :=
else
# loadfile keeps all cells of one notebook on one worker (a notebook is one kernel session).
XDIST := -n $(NB_WORKERS) --dist loadfile
endif

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

.PHONY: help book test test-unit test-notebooks test-build test-browser serve clean venv

help:
	@echo "make book    build the site (every notebook executed) into $(HTML)"
	@echo "make test    lossutils tests, nbval on every notebook, strict site build, browser tests"
	@echo "make serve   serve $(HTML) at http://127.0.0.1:$(PORT)/"
	@echo "make clean   remove $(BUILD) and test caches (keeps $(VENV))"
	@echo "make venv    only create/update $(VENV)"
	@echo "make test-unit | test-notebooks | test-build | test-browser   one of the four checks"
	@echo "Set PYTHON=python3.12 (etc.) to create $(VENV) with another interpreter."

# --- environment ---------------------------------------------------------------

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): requirements.txt pyproject.toml | $(BIN)/python
	@echo "Installing requirements.txt into $(VENV) (this takes a while the first time)..."
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements.txt
	touch $@

venv: $(INSTALLED)

# Drop the notebook cache and the Sphinx environment (which would otherwise keep the
# old outputs of unchanged pages) whenever lossutils or the installed packages changed.
$(LIB_STAMP): $(LIB_FILES) $(INSTALLED)
	rm -rf $(BUILD)/.jupyter_cache $(BUILD)/.doctrees
	mkdir -p $(BUILD)
	touch $@

# --- the two commands ------------------------------------------------------------

$(SITE_STAMP): $(INSTALLED) $(LIB_STAMP) $(SITE_INPUTS)
	$(BIN)/jupyter-book build .
	touch $@

book: $(SITE_STAMP)
	@echo
	@echo "The book is built. Open it with either:"
	@echo "  file://$(CURDIR)/$(HTML)/index.html"
	@echo "  make serve   (then visit http://127.0.0.1:$(PORT)/)"

# The four checks, in order; each stops the run if it fails.
test: $(INSTALLED) $(LIB_STAMP)
	@$(MAKE) --no-print-directory test-unit
	@$(MAKE) --no-print-directory test-notebooks
	@$(MAKE) --no-print-directory test-build
	@$(MAKE) --no-print-directory test-browser

# pytest exits with 5 when it collects nothing; say so instead of a bare "Error 5".
define no_tests_collected
{ rc=$$?; [ $$rc -ne 5 ] || echo "error: pytest collected no tests from $(1)" >&2; exit $$rc; }
endef

NBVAL := $(BIN)/pytest --nbval --nbval-current-env $(XDIST) book

test-unit: $(INSTALLED)
	@echo "$(BIN)/pytest tests"
	@$(BIN)/pytest tests || $(call no_tests_collected,tests/)

test-notebooks: $(INSTALLED)
	@[ -n "$(NOTEBOOKS)" ] || { echo "error: no notebooks in book/ to validate" >&2; exit 1; }
	@echo "$(NBVAL)"
	@$(NBVAL) || $(call no_tests_collected,book/)

# Strict: any Sphinx warning or notebook error fails. --all re-reads every page so that
# warnings from pages cached by an earlier `make book` are reported again.
test-build: $(INSTALLED) $(LIB_STAMP)
	$(BIN)/jupyter-book build --all -W -n --keep-going .
	touch $(SITE_STAMP)

# The site just built, served on 127.0.0.1 by the tests themselves and loaded page by page
# in Debian's Chromium (tests/browser/, Playwright). Without Chromium the browser tests skip
# with a message, or fail when CI=true; the checks of the HTML that need no browser still run.
test-browser: $(INSTALLED)
	@[ -f $(HTML)/index.html ] || { echo "error: no site in $(HTML); run make book first" >&2; exit 1; }
	@echo "$(BIN)/pytest tests/browser"
	@$(BIN)/pytest tests/browser || $(call no_tests_collected,tests/browser/)

# --- conveniences ------------------------------------------------------------------

serve: $(SITE_STAMP)
	@echo "Serving $(HTML) at http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory $(HTML) $(PORT)

clean:
	rm -rf $(BUILD) .pytest_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
