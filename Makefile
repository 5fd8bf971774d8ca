# RetroStride: `make demo` and `make test` are all a fresh machine needs.
# Both install what they use (a .venv with pinned Python packages, the pinned
# MicroPython WebAssembly runtime from npm, the ESP32 type stubs) and are quick
# the second time: every install step is keyed on the file that pins it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
TYPINGS := $(VENV)/mp-typings
TYPINGS_STAMP := $(TYPINGS)/.installed
ESP32_STUBS := micropython-esp32-stubs==1.29.0.post1
PYTEST_ARGS ?=

.PHONY: deps test demo lint bench clean check-python check-node

deps: $(PY_STAMP) $(NODE_STAMP) $(TYPINGS_STAMP)

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "RetroStride needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1 || echo missing)." >&2; \
	  echo "Install one (e.g. 'apt-get install python3') or point make at it: make PYTHON=python3.12 test" >&2; exit 1; }

check-node:
	@command -v node >/dev/null 2>&1 && node -e 'process.exit(parseInt(process.versions.node) >= 18 ? 0 : 1)' || { \
	  echo "RetroStride needs Node.js 18 or newer to run its MicroPython test tier and virtual device (found: $$(node --version 2>/dev/null || echo none))." >&2; \
	  echo "Install it (e.g. 'apt-get install nodejs npm', or https://nodejs.org) and run make again." >&2; exit 1; }

$(PY_STAMP): pyproject.toml | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(NODE_STAMP): package.json package-lock.json | check-node
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(TYPINGS_STAMP): Makefile | $(PY_STAMP)
	rm -rf $(TYPINGS)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --target $(TYPINGS) $(ESP32_STUBS)
	touch $@

test: deps
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: deps
	$(BIN)/ruff check host_tools tests
	$(BIN)/ruff format --check host_tools tests

demo: deps
	$(BIN)/retrostride demo

bench: deps
	$(BIN)/retrostride bench --json

clean:
	rm -rf $(VENV) node_modules .pytest_cache .hypothesis .mypy_cache .ruff_cache
