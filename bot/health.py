"""Whether the bot is alive: a file touched at every answered poll, read by ``briefing-bot health``.

Docker's HEALTHCHECK (and any supervisor) runs ``briefing-bot health`` in another process, so
the running bot leaves a trace it can read: the modification time of a small file, touched
each time the Bot API answers a ``getUpdates``. A long poll returns at least every 10 s, so a
file older than ``DEFAULT_MAX_AGE`` means the bot stopped polling: it hangs, or it cannot reach
Telegram. In webhook mode there are no polls; the check is then that the webhook server
accepts connections.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_AGE = 60.0


@dataclass(frozen=True, slots=True)
class Health:
    """What ``briefing-bot health`` found: whether the bot is alive, and a line saying why."""

    alive: bool
    message: str


def polling_health(path: Path, max_age: float = DEFAULT_MAX_AGE) -> Health:
    """Alive when the Bot API answered one of the bot's polls in the last ``max_age`` seconds."""
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return Health(False, f"not polling: no heartbeat at {path} (the bot is not running)")
    if age > max_age:
        return Health(
            False,
            f"not polling: the last poll Telegram answered was {age:.0f} s ago "
            f"(more than {max_age:.0f} s): the bot hangs or cannot reach the Bot API",
        )
    return Health(True, f"polling: the last poll was answered {age:.1f} s ago")


def webhook_health(port: int, timeout: float = 3.0) -> Health:
    """Alive when the webhook server accepts a connection on ``port`` of this machine."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return Health(True, f"webhook server listening on port {port}")
    except OSError as error:
        return Health(False, f"webhook server not reachable on port {port}: {error}")
