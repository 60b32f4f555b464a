"""Logging set-up shared by the command-line tools and the bot."""

from __future__ import annotations

import logging
import sys

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


class _StandardErrorHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record comes, not the stream it was when
    logging was set up: one that has since been swapped or closed is never written to."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _: object) -> None:
        pass


def configure_logging(level: str) -> None:
    """Logs to standard error at ``level``; third-party libraries log warnings and worse."""
    logging.basicConfig(
        level=level,
        format="%(levelname)s %(name)s: %(message)s",
        handlers=[_StandardErrorHandler()],
        force=True,
    )
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
