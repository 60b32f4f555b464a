"""👍/👎 under each answer: a reader's verdict, stored with the answer they were shown.

The buttons carry the answer's key and the index stamp (``bot.callbacks``); the bot remembers
the last answers under their keys (``bot.memory``: the question, the text, the cited passages),
so a press stores what the reader saw, not what the bot would answer now. The verdicts go to
the SQLite file beside the index folder (``index.feedback``), off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, verdict_data
from bot.render import Rendered
from bot.state import Context
from index.errors import FeedbackStoreError
from index.feedback import Feedback, FeedbackStore, feedback_path

logger = logging.getLogger(__name__)

THANKS = "Thanks, noted."
STALE = "The briefing was updated since this answer: please ask again."
_EXPIRED = "This answer is too old for me to note your verdict: please ask again."
_NOT_STORED = "Sorry, I could not note that just now: please try again later."


def with_feedback(rendered: Rendered, answer_id: int, stamp: str) -> Rendered:
    """The answer with a 👍 👎 row under its other buttons."""
    rows = list(rendered.keyboard.inline_keyboard) if rendered.keyboard is not None else []
    row = [
        InlineKeyboardButton("👍", callback_data=verdict_data(answer_id, "up", stamp)),
        InlineKeyboardButton("👎", callback_data=verdict_data(answer_id, "down", stamp)),
    ]
    return Rendered(rendered.text, InlineKeyboardMarkup([*rows, row]))


async def record_verdict(query: CallbackQuery, context: Context, pressed: Callback) -> None:
    """👍 or 👎 under an answer: stores the reader's verdict on it (a second press replaces it)."""
    settings = context.bot_data.settings
    assert settings is not None and query.message is not None and pressed.verdict is not None
    chat_id = query.message.chat.id
    remembered = context.bot_data.answers.recall(pressed.answer, chat_id)
    if remembered is None:
        await query.answer(_EXPIRED, show_alert=True)
        return
    feedback = Feedback(
        at=datetime.now(UTC),
        chat_id=chat_id,
        user_id=query.from_user.id,
        answer_key=f"{chat_id}:{query.message.message_id}",  # the answer's message, for good
        question=remembered.question,
        verdict=pressed.verdict,
        answer=remembered.text,
        passages=remembered.passages,
    )
    store = FeedbackStore(feedback_path(settings.index.index_dir))
    try:
        await asyncio.to_thread(store.record, feedback)
    except FeedbackStoreError as error:
        logger.error("verdict not stored: %s", error)
        await query.answer(_NOT_STORED, show_alert=True)
        return
    await query.answer(THANKS)
