# The briefing bot, CPU only. The same steps as `make run`: PyTorch's CPU build first, then the
# project at the versions of requirements.lock, then `briefing-index build` (which also
# converts the model), so nothing is downloaded or converted when a container starts.
# `make image` builds it; docs/docker.md says how where no registry can be reached.

# The FROM image of both stages: the official one, or a local stand-in (make image-base).
ARG BASE_IMAGE=python:3.11-slim

# Wheels to take torch from instead of TORCH_INDEX_URL: empty unless the build is given a
# folder, e.g. `--build-context torch-wheels=/opt/wheels`.
FROM scratch AS torch-wheels


FROM ${BASE_IMAGE} AS build

# PyTorch's CPU index: PyPI's torch for Linux is the CUDA build, several GB larger.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    XDG_CACHE_HOME=/opt/briefing/cache \
    BRIEFING_SEEDS_DIR=/data/seeds \
    BRIEFING_INDEX_DIR=/data/index

WORKDIR /src

# PyTorch's CPU build first, so sentence-transformers does not pull the CUDA one: from the
# given wheels if they hold one (no index asked then), else from TORCH_INDEX_URL. Its own
# dependencies come with the project below, from PyPI at the versions of the lock.
RUN --mount=type=bind,from=torch-wheels,target=/wheels \
    python -m venv /opt/venv \
    && if [ -n "$(find /wheels -maxdepth 1 -name 'torch-*.whl')" ]; then export PIP_NO_INDEX=1; fi \
    && pip install --no-deps --index-url "$TORCH_INDEX_URL" --find-links /wheels torch==2.13.0

COPY pyproject.toml requirements.lock README.md ./
COPY index ./index
COPY bot ./bot
RUN pip install -c requirements.lock . \
    && pip check

# Cheap savings, none of them loaded at run time: torch's C++ headers, its C++ test programs
# (torch_shm_manager stays: torch.multiprocessing uses it), the packages' own test suites,
# blingfire's optional tokenizer models and Windows/macOS builds (the project only splits
# sentences, which its Linux library does alone), and the venv's pip (nothing is installed at
# run time; setuptools stays, torch requires it).
RUN site=$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') \
    && rm -rf "$site/torch/include" "$site/torch/test" "$site/torch/share/cmake" \
    && rm -f "$site"/blingfire/*.bin "$site"/blingfire/*.i2w "$site"/blingfire/*.dll \
         "$site"/blingfire/*.pdb "$site"/blingfire/*.dylib \
    && find "$site/torch/bin" -mindepth 1 ! -name torch_shm_manager -exec rm -rf {} + \
    && find "$site" -depth -mindepth 2 -type d \( -name tests -o -name test \) \
         ! -path "$site/torch/*" ! -path "$site/*.dist-info/*" -exec rm -rf {} + \
    && pip uninstall --yes --quiet pip \
    && rm -rf /root/.cache

# The model is converted into XDG_CACHE_HOME (read-only at run time) and the seeds indexed.
COPY seeds /data/seeds
RUN briefing-index build


FROM ${BASE_IMAGE}

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    XDG_CACHE_HOME=/opt/briefing/cache \
    BRIEFING_SEEDS_DIR=/data/seeds \
    BRIEFING_INDEX_DIR=/data/index \
    BRIEFING_HEALTH_FILE=/tmp/briefing-bot.alive

RUN useradd --create-home --uid 10001 briefing

# Three layers: the virtual environment, the converted model, the seeds with their index.
# The index is rebuilt beside itself and swapped in, so the volume is /data, its parent.
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/briefing /opt/briefing
COPY --from=build --chown=10001:10001 /data /data

USER 10001
WORKDIR /data
VOLUME ["/data"]

# Healthy while the Bot API answers the bot's polls (BRIEFING_HEALTH_FILE, touched at each).
HEALTHCHECK --interval=30s --timeout=10s --start-period=90s --retries=3 \
    CMD ["briefing-bot", "health"]

CMD ["briefing-bot"]
