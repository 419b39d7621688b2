# The two commands a new user runs: `make demo` and `make test`. Both work on a fresh machine
# with Python 3.11+, make, git and Node.js 20+.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TOOLCHAIN := toolchain

.PHONY: install toolchain compiled test demo lint bench clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required, found " + sys.version.split()[0] if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

# Real tsc, jest, cdk and the durable SDKs for the tests, pinned by the lockfile.
$(TOOLCHAIN)/node_modules/.installed: $(TOOLCHAIN)/package.json $(TOOLCHAIN)/package-lock.json
	cd $(TOOLCHAIN) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# CDK in Python (aws-cdk-lib from PyPI, 430 MB) in a venv of its own, for the test that synthesizes the
# CDK Python fixtures: its pins (typeguard 2) stay out of the project's environment.
CDK_PY := $(TOOLCHAIN)/cdk-python
$(CDK_PY)/.installed: $(TOOLCHAIN)/cdk-python-requirements.txt
	$(PYTHON) -m venv $(CDK_PY)
	$(CDK_PY)/bin/python -m pip install -q -r $(TOOLCHAIN)/cdk-python-requirements.txt
	@touch $@

# External MCP clients (Inspector CLI, conformance suite) on Node.js 22 from the npm registry.
conformance/node_modules/.installed: conformance/package.json conformance/package-lock.json
	cd conformance && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The release wheel, with the analyzer's hot modules compiled by mypyc (pyproject: hooks.mypyc), unpacked
# into build/compiled for the tests and benchmarks (PYTHONPATH=build/compiled), then checked: every module
# the hook lists must load compiled (scripts/check_compiled.py; the Dockerfile builds and checks the same
# way). Built from a copy, so that an interrupted build never leaves a compiled module in src/ to shadow
# its source.
COMPILED := build/compiled
$(COMPILED)/.installed: $(VENV)/.installed pyproject.toml scripts/check_compiled.py $(shell find src references -type f -not -path '*/__pycache__/*')
	rm -rf build/wheel-src build/wheel $(COMPILED)
	mkdir -p build/wheel-src
	cp -r pyproject.toml README.md src references build/wheel-src/
	find build/wheel-src -name __pycache__ -prune -exec rm -rf {} +
	HATCH_BUILD_HOOKS_ENABLE=1 $(PY) -m pip wheel -q --no-deps -w build/wheel build/wheel-src
	$(PY) -m pip install -q --no-deps --target $(COMPILED) build/wheel/*.whl
	PYTHONPATH=$(COMPILED) $(PY) scripts/check_compiled.py
	@touch $@

install: $(VENV)/.installed

compiled: $(COMPILED)/.installed

toolchain: $(TOOLCHAIN)/node_modules/.installed $(CDK_PY)/.installed

lint: install
	$(VENV)/bin/ruff check src tests bench demo scripts

# The whole suite on the sources, then the analyzer's tests again on the compiled wheel: a compiled
# module checks its declared types at run time, and its results must not differ.
test: install toolchain conformance/node_modules/.installed lint compiled
	$(PY) -m pytest
	PYTHONPATH=$(COMPILED) $(PY) -m pytest -q -p no:cacheprovider -k "analyzer or lint or validate or preflight"

demo: install
	$(PY) demo/demo.py

bench: install toolchain
	$(PY) bench/startup.py

clean:
	rm -rf $(VENV) $(TOOLCHAIN)/node_modules $(CDK_PY) conformance/node_modules .pytest_cache build
