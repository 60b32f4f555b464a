"""Waiting until the bot is done with an update, so silence can be asserted, not guessed."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.botapi import BotApiServer


async def settle(
    server: BotApiServer, application: Any, update_id: int, timeout: float = 10.0
) -> None:
    """Returns once the bot has fetched update ``update_id`` and handled every update it has.

    The stand-in drops an update when a later getUpdates confirms it, and PTB queues what it
    fetched before it polls again; PTB marks each queued update done only after its handlers
    (and the error handler) have finished, so ``update_queue.join()`` is the end of the work.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while any(update["update_id"] == update_id for update in server.pending_updates()):
        if loop.time() > deadline:
            raise AssertionError(f"update {update_id} not fetched after {timeout} s")
        await asyncio.sleep(0.01)
    await asyncio.wait_for(application.update_queue.join(), max(deadline - loop.time(), 0.1))
