# Two commands for a new user: `make run` and `make test`. Both set up .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE ?= 1

.PHONY: run test lint typecheck unit index bench lock clean

RUN_STAMP := $(VENV)/.installed-run
NEW_VENV = $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	|| { echo "Python 3.11 or newer is needed (set PYTHON=python3.11)"; exit 1; }; \
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)

# What the bot needs (no torch: the model runs in ONNX Runtime), at the versions of
# requirements.lock; the Dockerfile takes the same step.
$(RUN_STAMP): pyproject.toml requirements.lock
	@$(NEW_VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c requirements.lock -e .
	@touch $@

# The tests also run the reference engine, sentence-transformers on torch: torch first and
# pinned, its CPU build (anything that pulls torch in before it brings CUDA).
$(STAMP): pyproject.toml requirements.lock
	@$(NEW_VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c requirements.lock -e '.[dev]'
	@touch $@ $(RUN_STAMP)

# Ctrl-C is how a run ends: the bot exits 130 for it, which make need not report as an error.
run: $(RUN_STAMP) index
	@$(BIN)/briefing-bot || [ $$? -eq 130 ]

index: $(RUN_STAMP)
	@$(BIN)/briefing-index build

bench: $(RUN_STAMP)
	@$(BIN)/briefing-index bench

# Every question answered exactly once under load, time to answer, memory over a long run.
# LOADTEST_ARGS=--real-model embeds with the real model; --help lists the sizes.
.PHONY: loadtest
loadtest: $(STAMP)
	@$(BIN)/python -m tests.load.loadtest $(LOADTEST_ARGS)

test: lint typecheck unit

# The documented commands of README.md and docs/*.md run, their output compared with what the
# blocks show (tests/readme_check); README_CHECK_ARGS=--update writes what they print now.
.PHONY: readme-check
readme-check: $(STAMP)
	@$(BIN)/python -m tests.readme_check $(README_CHECK_ARGS)

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

# The image (docs/docker.md); not part of `make test`: a build takes minutes.
# CONTAINER_ENGINE: docker where its engine answers (`docker info`), else podman.
# BASE_IMAGE: the FROM image; the local one of `make image-base` where it exists, else the
# official python:3.11-slim.
.PHONY: image image-check image-base
IMAGE ?= briefing-bot
LOCAL_BASE_IMAGE ?= localhost/briefing-base:bookworm
CONTAINER_ENGINE ?= $(shell tests/image/engine.sh)
# Extra flags (empty on an ordinary host) where podman's defaults fail: see tests/image/engine.sh.
CONTAINER_GLOBAL_FLAGS ?= $(shell tests/image/engine.sh global)
CONTAINER_FLAGS ?= $(shell tests/image/engine.sh flags)
BASE_IMAGE ?= $(shell $(CONTAINER_ENGINE) image inspect $(LOCAL_BASE_IMAGE) >/dev/null 2>&1 \
	&& echo $(LOCAL_BASE_IMAGE) || echo python:3.11-slim)

image:
	$(CONTAINER_ENGINE) $(CONTAINER_GLOBAL_FLAGS) build $(CONTAINER_FLAGS) \
		$(if $(filter podman,$(CONTAINER_ENGINE)),--format docker) \
		--build-arg BASE_IMAGE=$(BASE_IMAGE) \
		--tag $(IMAGE) .
	@$(CONTAINER_ENGINE) image inspect --format '$(IMAGE): {{.Size}} bytes' $(IMAGE)

# Builds the image, asks it a question, runs the bot in it against the tests' Bot API stand-in.
image-check: image
	CONTAINER_ENGINE=$(CONTAINER_ENGINE) CONTAINER_GLOBAL_FLAGS='$(CONTAINER_GLOBAL_FLAGS)' \
		CONTAINER_FLAGS='$(CONTAINER_FLAGS)' \
		$(PYTHON) -m tests.image.check --image $(IMAGE)

# A local FROM image where none can be pulled: Debian bookworm with python3.11 (root, debootstrap).
image-base:
	tests/image/make_base.sh $(LOCAL_BASE_IMAGE)
