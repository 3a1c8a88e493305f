# The two commands a newcomer needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install broker browser fonts lint typecheck unit integration e2e deploy-check bench sdl asyncapi clean

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && $(PYTHON) -m venv $(VENV); \
	  else echo "cannot create a virtualenv: run  sudo apt-get install -y python3-venv"; exit 1; fi; }

$(STAMP): $(PY) pyproject.toml constraints.txt
	$(PY) -m pip install -q --upgrade "pip==25.3"
	$(PY) -m pip install -q -c constraints.txt -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

broker:
	@bash scripts/ensure-rabbitmq.sh

# Debian's Chromium and CJK fonts for tests/browser (installed with apt-get when root; never a downloaded browser).
browser:
	@bash scripts/ensure-chromium.sh

fonts:
	@bash scripts/ensure-fonts.sh

# fonts: the CJK font the PDF reports embed (scripts/ensure-fonts.sh).
run: install broker fonts
	$(VENV)/bin/shegong run

test: install broker browser lint typecheck
	$(VENV)/bin/pytest tests -q -p no:cacheprovider

# ruff and mypy as configured in pyproject.toml (the versions pinned in constraints.txt); any finding fails.
lint: install
	$(VENV)/bin/ruff check .

typecheck: install
	$(VENV)/bin/mypy

unit: install
	$(VENV)/bin/pytest tests/unit -q

integration: install broker
	$(VENV)/bin/pytest tests/integration -q

e2e: install broker
	$(VENV)/bin/pytest tests/e2e -q

deploy-check: install
	$(PY) deploy/check.py

bench: install broker
	$(PY) -m bench.all

sdl: install
	$(PY) -m gateway.sdl > gateway/schema.graphql

# The AsyncAPI description of the events, generated from services/contracts (tests fail when it drifts).
asyncapi: install
	$(PY) -m services.contracts.asyncapi > gateway/asyncapi.json

clean:
	rm -rf $(VENV) .data
