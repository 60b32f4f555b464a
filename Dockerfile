# The briefing bot with its index, CPU only.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    BRIEFING_SEEDS_DIR=/data/seeds \
    BRIEFING_INDEX_DIR=/data/index

WORKDIR /app

# PyTorch's CPU build first, so sentence-transformers does not pull the CUDA one.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

COPY pyproject.toml README.md ./
COPY index ./index
COPY bot ./bot
RUN pip install . && useradd --create-home --uid 10001 briefing
COPY --chown=10001 seeds /data/seeds
USER 10001
RUN briefing-index build

CMD ["briefing-bot"]
