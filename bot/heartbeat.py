"""The bot's side of ``briefing-bot health``: a file touched at every answered poll.

``bot/health.py`` reads it, without importing telegram (``briefing-bot health`` runs often).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from pathlib import Path

from telegram._utils.types import ODVInput  # PTB's own type of these parameters
from telegram.request import HTTPXRequest, RequestData

logger = logging.getLogger("bot.health")


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
