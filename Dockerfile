# The briefing bot, CPU only. The same steps as `make run`: PyTorch's CPU build first, then the
# project at the versions of requirements.lock, then `briefing-index build` (which also
# converts the model), so nothing is downloaded or converted when a container starts.

FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

# PyTorch's CPU build first, so sentence-transformers does not pull the CUDA one.
RUN python -m venv /opt/venv \
    && pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
COPY index ./index
COPY bot ./bot
RUN pip install -c requirements.lock .


FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    XDG_CACHE_HOME=/opt/briefing/cache \
    BRIEFING_SEEDS_DIR=/data/seeds \
    BRIEFING_INDEX_DIR=/data/index \
    BRIEFING_HEALTH_FILE=/tmp/briefing-bot.alive

COPY --from=build /opt/venv /opt/venv
COPY seeds /data/seeds
# The model is converted into XDG_CACHE_HOME (read-only at run time) and the seeds indexed.
# The index is rebuilt beside itself and swapped in, so the volume is /data, its parent.
RUN useradd --create-home --uid 10001 briefing \
    && briefing-index build \
    && chown -R briefing:briefing /data

USER 10001
WORKDIR /data
VOLUME ["/data"]

# Healthy while the Bot API answers the bot's polls (BRIEFING_HEALTH_FILE, touched at each).
HEALTHCHECK --interval=30s --timeout=10s --start-period=90s --retries=3 \
    CMD ["briefing-bot", "health"]

CMD ["briefing-bot"]
