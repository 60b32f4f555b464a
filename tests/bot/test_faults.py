"""The Bot API failing under the bot: 429s, 500s, slow answers and dropped connections, while
polling and while sending. Nothing is lost; nothing is answered twice, except where a reply
took effect and its answer was lost on the way back (see bot/delivery.py for why that is sent
again). Replies are counted by the message they quote (tests/load/driver.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.delivery import worth_repeating
from index.config import IndexSettings
from tests.load.driver import Delivery, Ledger, ask_in_bursts, wait_answered
from tests.support.botapi import BotApiServer
from tests.support.harness import USER, start_bot, stop_bot

Fault = Callable[[BotApiServer, str], None]
SLOWER_THAN_PTB_WAITS = 7.0  # PTB gives up on a read after 5 s (getUpdates: 5 s + its timeout)

FAULTS: dict[str, Fault] = {
    "500": lambda server, method: server.fail_next(method, 500),
    "429": lambda server, method: server.fail_next(method, 429, retry_after=1),
    "dropped": lambda server, method: server.drop_next(method),
    "dropped after taking effect": lambda server, method: server.drop_next(method, after=True),
    "slow": lambda server, method: server.fail_next(method, None, delay=1.0),
    "slower than PTB waits": lambda server, method: server.fail_next(
        method, None, delay=SLOWER_THAN_PTB_WAITS
    ),
}


async def _settled(ledger: Ledger, count: int, timeout: float = 30.0) -> Delivery:
    assert await wait_answered(ledger, count, timeout), ledger.delivery()
    await asyncio.sleep(0.8)  # time for a wrong second reply (sent again after 0.5 s) to show
    return ledger.delivery()


@pytest.mark.asyncio
@pytest.mark.parametrize("fault", ["429", "dropped after taking effect", "slower than PTB waits"])
async def test_polling_faults_lose_nothing_and_answer_once(
    server: BotApiServer, index_settings: IndexSettings, fault: str
) -> None:
    """The poll that would bring the questions fails; PTB polls again with the same offset.

    (A 500 and a plain drop are in the storm below.)"""
    ledger = Ledger(server)
    for chat in range(3):
        ledger.ask(USER + chat, f"What did Zakharova say? ({chat})")
    FAULTS[fault](server, "getUpdates")
    application = await start_bot(server, index_settings)
    try:
        delivery = await _settled(ledger, 3, timeout=20)
        first, *_ = await server.wait_for_async("getUpdates", answered=False)
        await server.wait_for_async(lambda call: call is first, timeout=15)  # the slow one too
    finally:
        await stop_bot(application)
    assert delivery.exactly_once, delivery
    expected = {"500": 500, "429": 429, "slower than PTB waits": 200}.get(fault, 0)
    assert first.status == expected
    assert server.pending_updates() == []  # the last poll confirmed every question answered


@pytest.mark.asyncio
@pytest.mark.parametrize("fault", ["500", "dropped", "slow"])
async def test_a_failed_send_is_sent_again_and_arrives_once(
    server: BotApiServer, bot: Any, fault: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A 500 or a connection dropped before the server acted: the answer is sent again."""
    FAULTS[fault](server, "sendMessage")
    ledger = Ledger(server)
    ledger.ask(USER, "What did Zakharova say?")
    delivery = await _settled(ledger, 1)
    assert delivery.exactly_once, delivery
    statuses = [call.status for call in server.calls("sendMessage")]
    assert statuses == ([200] if fault == "slow" else [500 if fault == "500" else 0, 200])
    assert "Zakharova said" in server.sent_messages(USER)[0].text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no apology either


@pytest.mark.asyncio
@pytest.mark.parametrize("fault", ["dropped after taking effect", "slower than PTB waits"])
async def test_a_send_whose_answer_was_lost_is_sent_again_and_shows_as_a_repeat(
    server: BotApiServer, bot: Any, fault: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The message arrived but the bot cannot know: sent again, since a repeat beats a loss.

    Both copies quote the same question, so the user sees one answer twice, not two answers.
    """
    FAULTS[fault](server, "sendMessage")
    ledger = Ledger(server)
    key = ledger.ask(USER, "What did Zakharova say?")
    delivery = await _settled(ledger, 1, timeout=20)
    replies = ledger.replies()[key]
    assert [reply.text for reply in replies] == [replies[0].text] * 2, delivery
    assert "Zakharova said" in replies[0].text
    assert ledger.delivery().lost == 0
    assert any("may have arrived" in r.getMessage() for r in caplog.records)


@pytest.mark.asyncio
async def test_a_failed_typing_indicator_does_not_cost_the_answer(
    server: BotApiServer, bot: Any
) -> None:
    server.fail_next("sendChatAction", 500)
    ledger = Ledger(server)
    ledger.ask(USER, "What did Lavrov say?")
    delivery = await _settled(ledger, 1)
    assert delivery.exactly_once, delivery
    assert [call.status for call in server.calls("sendChatAction")] == [500, 200]


@pytest.mark.asyncio
async def test_a_storm_of_faults_on_both_sides_loses_nothing_and_repeats_nothing(
    server: BotApiServer, index_settings: IndexSettings
) -> None:
    """40 questions from 20 chats while polls and sends fail in every way but the ambiguous
    one (a send that took effect and lost its answer), spread between successes."""
    for fault in ("500", "dropped", "429"):
        FAULTS[fault](server, "getUpdates")
    for method, faults in (
        ("sendMessage", ("500", "dropped", "429", "slow", "500")),
        ("sendChatAction", ("dropped", "500")),
    ):
        for fault in faults:
            FAULTS[fault](server, method)
            server.fail_next(method, None, count=3, delay=0.01)  # three that go through
    application = await start_bot(server, index_settings)
    try:
        ledger = Ledger(server)
        await ask_in_bursts(ledger, questions=40, chats=20, burst=20, gap=0.5)
        delivery = await _settled(ledger, 40, timeout=60)
    finally:
        await stop_bot(application)
    assert delivery.exactly_once, delivery
    assert {call.status for call in server.calls("getUpdates")} >= {0, 429, 500}
    assert {call.status for call in server.calls("sendMessage")} >= {0, 429, 500}
    assert server.pending_updates() == []


def _failed(error: NetworkError, cause: Exception | None) -> NetworkError:
    """``error`` as PTB raises it: from the httpx exception, or alone for an HTTP answer."""
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("endpoint", "error", "repeated"),
    [
        ("answerCallbackQuery", _failed(NetworkError("x"), httpx.ConnectError("refused")), True),
        ("answerCallbackQuery", _failed(TimedOut("pool"), httpx.PoolTimeout("full")), True),
        (
            "answerCallbackQuery",
            _failed(NetworkError("x"), httpx.RemoteProtocolError("gone")),
            False,
        ),
        ("answerCallbackQuery", _failed(NetworkError("Bad Gateway"), None), False),
        ("sendMessage", _failed(NetworkError("x"), httpx.RemoteProtocolError("gone")), True),
        ("sendMessage", _failed(TimedOut(), httpx.ReadTimeout("slow")), True),
        ("sendMessage", _failed(NetworkError("Internal Server Error"), None), True),
        ("sendMessage", BadRequest("Message is too long"), False),
        ("sendMessage", Forbidden("bot was blocked by the user"), False),
        ("sendMessage", RetryAfter(3), False),  # AIORateLimiter waits these out
    ],
)
def test_what_is_sent_again(endpoint: str, error: Exception, repeated: bool) -> None:
    """Anything that never reached the server; a repeatable method whatever happened to it;
    never what the server refused."""
    assert worth_repeating(endpoint, error) is repeated
