"""Whether the bot is alive: a file touched at every answered poll, read by ``briefing-bot health``.

Docker's HEALTHCHECK (and any supervisor) runs ``briefing-bot health`` in another process, so
the running bot leaves a trace it can read: the modification time of a small file, touched
each time the Bot API answers a ``getUpdates``. A long poll returns at least every 10 s, so a
file older than ``DEFAULT_MAX_AGE`` means the bot stopped polling: it hangs, or it cannot reach
Telegram. In webhook mode there are no polls; the check is then that the webhook server
accepts connections.
"""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

from telegram._utils.types import ODVInput  # PTB's own type of these parameters
from telegram.request import HTTPXRequest, RequestData

logger = logging.getLogger(__name__)

DEFAULT_MAX_AGE = 60.0


class HeartbeatRequest(HTTPXRequest):
    """The connection PTB polls on (one, as PTB's own); touches ``path`` at every answered poll."""

    def __init__(self, path: Path) -> None:
        super().__init__(connection_pool_size=1)
        self._path = path
        self._warned = False

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = HTTPXRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = HTTPXRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = HTTPXRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = HTTPXRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Sends the request as PTB does; a 200 answer touches the heartbeat file."""
        status, payload = await super().do_request(
            url,
            method,
            request_data,
            read_timeout,
            write_timeout,
            connect_timeout,
            pool_timeout,
        )
        if status == HTTPStatus.OK:
            self._beat()
        return status, payload

    def _beat(self) -> None:
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._path.touch()
        except OSError as error:  # health reporting must never stop the answers
            if not self._warned:
                logger.warning("cannot write the health file %s: %s", self._path, error)
                self._warned = True


def clear_heartbeat(path: Path) -> None:
    """Removes the heartbeat when the bot stops, so a stopped bot is not reported alive."""
    path.unlink(missing_ok=True)


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
