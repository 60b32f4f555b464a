"""Logging set-up shared by the command-line tools and the bot."""

from __future__ import annotations

import logging

# Libraries that are chatty at INFO about things a user of this tool does not act on.
_QUIET_LIBRARIES = (
    "sentence_transformers",
    "bm25s",
    "transformers",
    "huggingface_hub",
    "httpx",
    "httpcore",
    "faiss",
    "filelock",
    "urllib3",
)


def configure_logging(level: str) -> None:
    """Logs to standard error at ``level``; third-party libraries log warnings and worse."""
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
