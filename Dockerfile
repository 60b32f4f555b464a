# The briefing bot, CPU only, without torch: the model runs in ONNX Runtime. The same steps as
# `make run`: the project at the versions of requirements.lock, then `briefing-index build`
# (which also converts the model and makes its ONNX files), so nothing is downloaded, converted
# or exported when a container starts. `make image` builds it; docs/docker.md says how where no
# registry can be reached.

# The FROM image of both stages: the official one, or a local stand-in (make image-base).
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    XDG_CACHE_HOME=/opt/briefing/cache \
    BRIEFING_SEEDS_DIR=/data/seeds \
    BRIEFING_INDEX_DIR=/data/index

WORKDIR /src
RUN python -m venv /opt/venv

COPY pyproject.toml requirements.lock README.md ./
COPY index ./index
COPY bot ./bot
RUN pip install -c requirements.lock . \
    && pip check

# Cheap savings, none of them loaded at run time: the packages' own test suites, blingfire's
# optional tokenizer models and Windows/macOS builds (the project only splits sentences, which
# its Linux library does alone), and the venv's pip (nothing is installed at run time).
RUN site=$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') \
    && rm -f "$site"/blingfire/*.bin "$site"/blingfire/*.i2w "$site"/blingfire/*.dll \
         "$site"/blingfire/*.pdb "$site"/blingfire/*.dylib \
    && find "$site" -depth -mindepth 2 -type d \( -name tests -o -name test \) \
         ! -path "$site/*.dist-info/*" -exec rm -rf {} + \
    && pip uninstall --yes --quiet pip \
    && rm -rf /root/.cache

# The model is converted into XDG_CACHE_HOME (read-only at run time), its ONNX files made and
# the seeds indexed. The engine reads only the ONNX files, the tokenizer and the configs: the
# fp32 weights (450 MiB) they were made from are left out of the image.
COPY seeds /data/seeds
RUN briefing-index build \
    && briefing-index model \
    && rm "$XDG_CACHE_HOME"/briefing-bot/models/*/model.safetensors \
    && briefing-index model


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
