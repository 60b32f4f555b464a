"""Requests to the Bot API that failed in transit are sent again, so an answer is not lost.

PTB raises ``NetworkError`` (``TimedOut`` for timeouts) when a request gets no answer or a 5xx
one, and its ``AIORateLimiter`` retries only ``RetryAfter`` (429): on its own, one dropped
connection turns an answer into "Sorry, something went wrong". What may be repeated depends
on whether the request can have taken effect:

* It never reached the server (connection refused, connect or pool timeout): any method is
  sent again; it cannot have acted.
* It reached the server, or may have (the connection dropped before the answer, a read
  timeout, a 5xx answer): only methods where a repeat is harmless or better than nothing are
  sent again. ``sendMessage`` is one: an answer delivered twice beats an answer never
  delivered, and as every reply quotes its question, a duplicate is plain to see.
  ``answerCallbackQuery`` is not: Telegram refuses a second answer to one button press.

Errors that are the server's verdict (400, 403, 409, ...) are never repeated.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter

logger = logging.getLogger(__name__)

RETRY_DELAYS = (0.5, 1.0, 2.0)  # seconds before the 2nd, 3rd and 4th attempt
# Methods whose repeat is harmless (the same state again) or better than nothing.
REPEATABLE = frozenset(
    {
        "sendMessage",
        "sendChatAction",
        "editMessageText",
        "setMyCommands",
        "getMe",
        "deleteWebhook",
        "setWebhook",
    }
)
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

Result = bool | dict[str, Any] | list[dict[str, Any]]


def never_sent(error: NetworkError) -> bool:
    """True if the request provably did not reach the server, so it cannot have acted."""
    return isinstance(error.__cause__, _NOT_SENT)


def worth_repeating(endpoint: str, error: Exception) -> bool:
    """Whether a request to ``endpoint`` that failed with ``error`` should be sent again."""
    if not isinstance(error, NetworkError) or isinstance(error, BadRequest):
        return False
    return never_sent(error) or endpoint in REPEATABLE


class RetryingRateLimiter(AIORateLimiter):
    """``AIORateLimiter`` (waits out 429s) that also sends again what failed in transit."""

    def __init__(self, *, delays: tuple[float, ...] = RETRY_DELAYS, **limits: Any) -> None:
        """Args: delays before each repeat (their count bounds the repeats); ``limits`` as
        ``AIORateLimiter`` takes them (``max_retries`` for 429s, rates)."""
        super().__init__(**limits)
        self._delays = delays

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        """Sends the request through the rate limiter; repeats it after a transit failure."""
        for attempt, delay in enumerate((*self._delays, None), start=1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except NetworkError as error:
                if delay is None or not worth_repeating(endpoint, error):
                    raise
                logger.warning(
                    "%s attempt %d failed (%s, %s); sending it again in %.1f s",
                    endpoint,
                    attempt,
                    "not sent" if never_sent(error) else "may have arrived",
                    _describe(error),
                    delay,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")


def _describe(error: NetworkError) -> str:
    if isinstance(error, TimedOut) and error.__cause__ is not None:
        return f"timed out: {type(error.__cause__).__name__}"
    return str(error)
