"""👍/👎 under each answer: a reader's verdict, stored with the answer they were shown.

The buttons carry the answer's key and the index stamp (``f:<key>:<u|d>:<stamp>``); the bot
remembers the last answers under their keys (the question, the text, the cited passages), so a
press stores what the reader saw, not what the bot would answer now. The verdicts go to the
SQLite file beside the index folder (``index.feedback``), off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.render import Rendered
from index.answering.answers import Answer
from index.errors import FeedbackStoreError
from index.feedback import (
    CitedPassage,
    Feedback,
    FeedbackStore,
    Verdict,
    cited_passages,
    feedback_path,
)

if TYPE_CHECKING:
    from bot.state import Context

logger = logging.getLogger(__name__)

THANKS = "Thanks, noted."
REMEMBERED_ANSWERS = 1000
_UNKNOWN = "Sorry, I don't know that button."
_STALE = "The briefing was updated since this answer: please ask again."
_EXPIRED = "This answer is too old for me to note your verdict: please ask again."
_NOT_STORED = "Sorry, I could not note that just now: please try again later."
_VERDICTS: dict[str, Verdict] = {"u": "up", "d": "down"}
_LETTERS = {verdict: letter for letter, verdict in _VERDICTS.items()}
# Only what feedback_data writes: no leading zeros, nothing before or after.
_FEEDBACK = re.compile(r"f:(?P<answer>[1-9][0-9]{0,11}):(?P<verdict>[ud]):(?P<stamp>[0-9a-f]{8})")


@dataclass(frozen=True, slots=True)
class Answered:
    """What a verdict on one answer is stored with, and the chat whose buttons may give one."""

    chat_id: int
    question: str
    text: str
    passages: tuple[CitedPassage, ...]


class AnswerMemory:
    """The last answers sent, by the key their buttons carry; the oldest are forgotten."""

    def __init__(self, size: int = REMEMBERED_ANSWERS) -> None:
        self._size = size
        self._answers: OrderedDict[int, Answered] = OrderedDict()

    def __len__(self) -> int:
        return len(self._answers)

    def remember(self, key: int, chat_id: int, answer: Answer) -> None:
        """Keeps what a verdict on ``answer``, sent to ``chat_id`` under ``key``, is stored with.

        Only what is stored is kept: no ``Answer`` or hit outlives the handling of its question.
        """
        self._answers[key] = Answered(chat_id, answer.question, answer.text, cited_passages(answer))
        self._answers.move_to_end(key)
        while len(self._answers) > self._size:
            self._answers.popitem(last=False)

    def recall(self, key: int, chat_id: int) -> Answered | None:
        """The answer kept under ``key`` for this chat; None when forgotten or another chat's."""
        answered = self._answers.get(key)
        return answered if answered is not None and answered.chat_id == chat_id else None


@dataclass(frozen=True, slots=True)
class FeedbackPress:
    """A parsed 👍/👎 press: the answer's key, the verdict, the index stamp."""

    answer: int
    verdict: Verdict
    stamp: str


def feedback_data(answer_id: int, verdict: Verdict, stamp: str) -> str:
    """The callback_data of a verdict button, at most 25 bytes: ``f:<answer>:<u|d>:<stamp>``."""
    return f"f:{answer_id}:{_LETTERS[verdict]}:{stamp}"


def parse_feedback(data: str | None) -> FeedbackPress | None:
    """The press a callback_data stands for; None for anything ``feedback_data`` did not make."""
    match = _FEEDBACK.fullmatch(data or "")
    if match is None:
        return None
    return FeedbackPress(int(match["answer"]), _VERDICTS[match["verdict"]], match["stamp"])


def with_feedback(rendered: Rendered, answer_id: int, stamp: str) -> Rendered:
    """The answer with a 👍 👎 row under its other buttons."""
    rows = list(rendered.keyboard.inline_keyboard) if rendered.keyboard is not None else []
    row = [
        InlineKeyboardButton("👍", callback_data=feedback_data(answer_id, "up", stamp)),
        InlineKeyboardButton("👎", callback_data=feedback_data(answer_id, "down", stamp)),
    ]
    return Rendered(rendered.text, InlineKeyboardMarkup([*rows, row]))


async def feedback_button(update: Update, context: Context) -> None:
    """👍 or 👎 under an answer: stores the reader's verdict on it (a second press replaces it)."""
    query = update.callback_query
    assert query is not None
    pressed = parse_feedback(query.data)
    settings, service = context.bot_data.settings, context.bot_data.service
    assert settings is not None and service is not None, "post_init sets them"
    if pressed is None or query.message is None:
        await query.answer(_UNKNOWN)
        return
    await service.reload_if_changed()
    if pressed.stamp != service.stamp:
        await query.answer(_STALE, show_alert=True)
        return
    chat_id = query.message.chat.id
    answered = context.bot_data.answered.recall(pressed.answer, chat_id)
    if answered is None:
        await query.answer(_EXPIRED, show_alert=True)
        return
    feedback = Feedback(
        at=datetime.now(UTC),
        chat_id=chat_id,
        user_id=query.from_user.id,
        answer_key=f"{chat_id}:{query.message.message_id}",  # the answer's message, for good
        question=answered.question,
        verdict=pressed.verdict,
        answer=answered.text,
        passages=answered.passages,
    )
    store = FeedbackStore(feedback_path(settings.index.index_dir))
    try:
        await asyncio.to_thread(store.record, feedback)
    except FeedbackStoreError as error:
        logger.error("verdict not stored: %s", error)
        await query.answer(_NOT_STORED, show_alert=True)
        return
    await query.answer(THANKS)
