# Two commands for a new user: `make run` and `make test`. Both set up .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE ?= 1

.PHONY: run test lint typecheck unit index bench lock clean

# torch first and pinned: its CPU build; anything that pulls torch in before it brings CUDA.
# Then the project at the versions of requirements.lock: the Dockerfile takes the same steps.
$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed (set PYTHON=python3.11)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c requirements.lock -e '.[dev]'
	@touch $@

run: $(STAMP) index
	@$(BIN)/briefing-bot

index: $(STAMP)
	@$(BIN)/briefing-index build

bench: $(STAMP)
	@$(BIN)/briefing-index bench

# Every question answered exactly once under load, time to answer, memory over a long run.
# LOADTEST_ARGS=--real-model embeds with the real model; --help lists the sizes.
.PHONY: loadtest
loadtest: $(STAMP)
	@$(BIN)/python -m tests.load.loadtest $(LOADTEST_ARGS)

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

# After changing dependencies in pyproject.toml: record the versions now installed.
lock: $(STAMP)
	@{ sed -n '1,2p' requirements.lock; \
	  $(BIN)/python -m pip freeze --exclude-editable --disable-pip-version-check \
	  | sed 's/+cpu$$//'; } > requirements.lock.new && mv requirements.lock.new requirements.lock

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
