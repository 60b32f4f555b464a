"""Load through the Bot API stand-in, with the fake embedder: questions from 100 chats in bursts
are each answered exactly once, and what the bot keeps does not grow with what it answers.

``make loadtest`` runs the same driver at full size and reports times and memory."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import Any

import pytest
from telegram import Message, Update

import bot.memory
from index.answering.answers import Answer
from index.config import IndexSettings
from tests.load.botprocess import UnrecordedFakeEmbedder
from tests.load.driver import Ledger, ask_in_bursts, wait_answered
from tests.load.loadtest import TOKEN, prepare_index, running_bot
from tests.load.memory import MemoryPoint, memory_verdict
from tests.support.botapi import BotApiServer
from tests.support.harness import start_bot, stop_bot

# 1,000 questions take over a minute: PTB's AIORateLimiter lets 30 requests/s through, and an
# answer is two (the typing indicator, the reply), so 15 answers/s at most.
QUESTIONS, CHATS, BURST = 300, 100, 100


@pytest.mark.asyncio
async def test_questions_from_100_chats_in_bursts_are_answered_exactly_once(
    tmp_path: Path,
) -> None:
    index_dir = prepare_index(tmp_path, real_model=False, model="")
    with BotApiServer(token=TOKEN) as server, running_bot(server, index_dir, tmp_path) as process:
        ledger = Ledger(server)
        await ask_in_bursts(ledger, QUESTIONS, CHATS, burst=BURST, gap=1.0)
        answered = await wait_answered(ledger, QUESTIONS, timeout=60)
        await asyncio.sleep(1.0)  # time for a wrong second reply to show up
        delivery = ledger.delivery()
        kept = process.stats()
        code = process.stop()
    assert answered and delivery.exactly_once, delivery
    assert len({chat for chat, _ in ledger.replies()}) == CHATS
    assert kept["remembered"] == QUESTIONS
    assert code == 0, process.log()


def _alive(*kinds: type) -> int:
    gc.collect()
    return sum(isinstance(thing, kinds) for thing in gc.get_objects())


@pytest.mark.asyncio
async def test_what_the_bot_keeps_does_not_grow_with_its_answers(
    server: BotApiServer, index_settings: IndexSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After its answers, no update, message or answer stays alive, nor any task; the answers
    kept for "More" buttons stay at their bound (lowered here, to reach it sooner)."""
    monkeypatch.setattr(bot.memory, "REMEMBERED_ANSWERS", 30)
    application: Any = await start_bot(server, index_settings, UnrecordedFakeEmbedder())
    try:
        ledger = Ledger(server)
        await ask_in_bursts(ledger, 40, 20, burst=40, gap=0)
        assert await wait_answered(ledger, 40, timeout=30)
        await asyncio.sleep(0.5)
        tasks_before = len(asyncio.all_tasks())
        await ask_in_bursts(ledger, 120, 20, burst=40, gap=0.5)
        assert await wait_answered(ledger, 160, timeout=60)
        await asyncio.sleep(0.5)
        assert ledger.delivery().exactly_once
        assert len(application.bot_data.answers) == 30
        assert _alive(Update, Message, Answer) <= 3, "a handled update is kept alive"
        assert len(asyncio.all_tasks()) <= tasks_before
        assert len(application.chat_data) <= 20 and len(application.user_data) <= 20
    finally:
        await stop_bot(application)


def _point(answered: int, traced_kb: int, objects: int) -> MemoryPoint:
    return MemoryPoint(answered, 100_000, 120_000, objects, traced_kb, 1000, answered // 2, 5)


def test_the_memory_verdict_ignores_filling_caches_and_catches_a_leak() -> None:
    filling = [_point(1000, 70_000, 90_000)]
    flat = [
        *filling,
        *(_point(n, 80_000 + n // 200, 95_000 + n // 10) for n in (2500, 5000, 10_000)),
    ]
    verdict, growing = memory_verdict(flat)
    assert not growing and verdict.startswith("memory does not keep growing"), verdict
    leaking = [*filling, *(_point(n, 80_000 + n // 10, 95_000 + n) for n in (2500, 5000, 10_000))]
    verdict, growing = memory_verdict(leaking)
    assert growing and "traced +100.0 KB, objects +1000" in verdict, verdict
    verdict, growing = memory_verdict(leaking[:2])
    assert not growing and "too few" in verdict
