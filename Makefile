# MotCua: `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
PIP    := $(BIN)/pip install -q --disable-pip-version-check
EDITABLE := -e . --config-settings editable_mode=compat

export DATABASE_URL ?= sqlite:///instance/motcua.sqlite3

.PHONY: install test-install run setup test bench lint schema clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(PIP) $(EDITABLE)
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed setup.cfg
	$(PIP) -e '.[test]' --config-settings editable_mode=compat
	touch $@

install: $(VENV)/.installed

test-install: $(VENV)/.test-installed
	@bash .ci/browser-deps

setup: install
	MOTCUA_ALLOW_UNCONFIRMED=1 $(BIN)/motcua setup --demo

run: setup
	MOTCUA_ALLOW_UNCONFIRMED=1 $(BIN)/motcua run --host $(HOST) --port $(PORT)

test: test-install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q

bench: test-install
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/api.py

lint: test-install
	$(BIN)/ruff check .
	$(BIN)/mypy

schema: install
	$(BIN)/motcua schema

clean:
	rm -rf $(VENV) instance build *.egg-info
