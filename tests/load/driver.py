"""Questions pushed to the Bot API stand-in, and the bot's replies counted against them.

A reply is matched to its question by the message it quotes (every reply quotes its question),
so a question answered twice, or not at all, shows. Time to answer runs from the update being
available to getUpdates to the reply arriving at the stand-in.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from tests.support.botapi import BotApiServer

QUESTIONS = (
    "What did Lavrov say?",
    "What did Zakharova say?",
    "Who invited Berlin to consult on cyber security?",
    "What did Germany say about the talks?",
    "Qu'a dit Zakharova ?",
    "Was hat Lawrow gesagt?",
)
APOLOGY = "Sorry, something went wrong"
FIRST_CHAT = 700_000


@dataclass(frozen=True, slots=True)
class Delivery:
    """How the questions asked were answered."""

    asked: int
    answered_once: int
    lost: int  # no reply at all
    duplicated: int  # more than one reply
    apologised: int  # a reply was the error handler's apology, not an answer
    stray: int  # replies quoting no question that was asked
    latencies: tuple[float, ...]  # seconds to the first reply, per answered question

    @property
    def exactly_once(self) -> bool:
        return self.answered_once == self.asked and self.stray == 0


@dataclass(frozen=True, slots=True)
class Reply:
    """A message the bot sent quoting a question (``at``: when it reached the stand-in)."""

    at: float
    text: str


class Ledger:
    """The questions pushed to the stand-in and the replies it recorded, matched by quote.

    A question is known by (chat id, message id), the message a reply quotes.
    """

    def __init__(self, server: BotApiServer) -> None:
        self._server = server
        self._asked: dict[tuple[int, int], float] = {}
        self._update_ids: dict[tuple[int, int], int] = {}
        self._replies: dict[tuple[int, int], list[Reply]] = {}
        self._stray = 0
        self._seen = 0  # sendMessage calls already counted

    @property
    def asked(self) -> int:
        return len(self._asked)

    def ask(self, chat_id: int, text: str) -> tuple[int, int]:
        """Pushes a question from a private chat; returns its (chat id, message id)."""
        update = self._server.text_message(chat_id, text, user_id=chat_id)
        key = (chat_id, int(update["message"]["message_id"]))
        self._asked[key] = time.time()  # before the push: a poll may return it at once
        self._update_ids[key] = self._server.push_update(update)
        return key

    def update_id(self, key: tuple[int, int]) -> int:
        return self._update_ids[key]

    def replies(self) -> dict[tuple[int, int], list[Reply]]:
        """The replies so far to each question that has any."""
        self._scan()
        return {key: list(replies) for key, replies in self._replies.items()}

    def answered(self) -> int:
        """Questions with at least one reply so far."""
        self._scan()
        return len(self._replies)

    def delivery(self) -> Delivery:
        """The count so far."""
        self._scan()
        counts = [len(self._replies.get(key, [])) for key in self._asked]
        apologised = sum(
            any(APOLOGY in reply.text for reply in replies) for replies in self._replies.values()
        )
        return Delivery(
            asked=len(self._asked),
            answered_once=sum(
                len(replies) == 1 and APOLOGY not in replies[0].text
                for replies in self._replies.values()
            ),
            lost=counts.count(0),
            duplicated=sum(count > 1 for count in counts),
            apologised=apologised,
            stray=self._stray,
            latencies=tuple(
                min(reply.at for reply in replies) - self._asked[key]
                for key, replies in self._replies.items()
            ),
        )

    def _scan(self) -> None:
        calls = self._server.calls("sendMessage")
        for call in calls[self._seen :]:
            if call.status is None:  # still being answered: counted on a later scan
                break
            self._seen += 1
            if not call.applied:  # refused or dropped before it took effect: not delivered
                continue
            quoted = (call.params.get("reply_parameters") or {}).get("message_id")
            key = (int(call.params["chat_id"]), int(quoted or 0))
            if key in self._asked:
                self._replies.setdefault(key, []).append(Reply(call.at, str(call.params["text"])))
            else:
                self._stray += 1


def question(number: int) -> str:
    """The ``number``th question asked: the same few again and again, so the caches that grow
    with new words (stemmers, speaker names) fill at once and growth after that is a leak."""
    return QUESTIONS[number % len(QUESTIONS)]


def chat_ids(chats: int) -> list[int]:
    """The private chats questions come from."""
    return list(range(FIRST_CHAT, FIRST_CHAT + chats))


async def wait_answered(ledger: Ledger, count: int, timeout: float) -> bool:
    """Waits (without blocking the event loop) until ``count`` questions have replies."""
    deadline = time.monotonic() + timeout
    while ledger.answered() < count:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def ask_in_bursts(
    ledger: Ledger, questions: int, chats: int, burst: int, gap: float, seed: int = 6
) -> None:
    """``questions`` from ``chats`` chats, ``burst`` at a time every ``gap`` seconds; every chat
    takes its turn before any chat asks again."""
    rng = random.Random(seed)
    order: list[int] = []
    for number in range(questions):
        if not order:
            order = chat_ids(chats)
            rng.shuffle(order)
        if number and number % burst == 0:
            await asyncio.sleep(gap)
        ledger.ask(order.pop(), question(number))


async def ask_in_a_row(
    ledger: Ledger,
    questions: int,
    chats: int,
    window: int,
    checkpoints: Sequence[int],
    at_checkpoint: Callable[[int], Awaitable[None]],
    timeout: float,
) -> None:
    """``questions`` one after another, at most ``window`` unanswered. At each checkpoint (a
    number of questions) waits until all are answered and calls ``at_checkpoint``, so memory is
    read with nothing in flight. Raises TimeoutError."""
    ids = chat_ids(chats)
    deadline = time.monotonic() + timeout
    for stop in sorted({*checkpoints, questions}):
        while (answered := ledger.answered()) < stop:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{answered} of {questions} answered after {timeout:.0f} s")
            while ledger.asked < stop and ledger.asked - answered < window:
                ledger.ask(ids[ledger.asked % len(ids)], question(ledger.asked))
            await asyncio.sleep(0.02)
        if stop in checkpoints:
            await asyncio.sleep(0.2)  # a handler finishes just after its reply is sent
            await at_checkpoint(stop)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile; 0.0 for no values."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]
