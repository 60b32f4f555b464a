"""Keeping the bot token out of every log line."""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"(bot)?\d{5,}:[\w-]{20,}")


def redact(text: str) -> str:
    """``text`` with anything shaped like a bot token replaced."""
    return _TOKEN.sub(lambda match: (match.group(1) or "") + "<token>", text)


class TokenRedactingFilter(logging.Filter):
    """Rewrites a record's message (and exception text) without tokens; httpx and PTB put
    request URLs, token included, in their records."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install_redaction() -> None:
    """Puts the filter on every root handler; quiets httpx, which logs URLs at INFO."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, TokenRedactingFilter) for f in handler.filters):
            handler.addFilter(TokenRedactingFilter())
