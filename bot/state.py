"""What the handlers share: the settings, the answer service, what answers' buttons need."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field

from telegram.ext import CallbackContext, ExtBot

from bot.config import BotSettings
from bot.feedback import AnswerMemory
from bot.marks import Cited
from index.records import Hit
from index.service import BriefingService

_REMEMBERED_ANSWERS = 1000
_ANSWER_KEYS = 10**12  # what a "More" button's callback_data has room for


@dataclass(frozen=True, slots=True)
class Remembered:
    """What the buttons of one answer need, and the chat that may press them: its further
    passages ("More") and its citations (the quoted sentences, bold where a passage is read)."""

    chat_id: int
    hits: list[Hit]
    cited: tuple[Cited, ...] = ()


@dataclass
class BotData:
    """What every handler shares: the settings, the answer service, recent results."""

    settings: BotSettings | None = None
    service: BriefingService | None = None
    results: OrderedDict[int, Remembered] = field(default_factory=OrderedDict)
    answered: AnswerMemory = field(default_factory=AnswerMemory)  # for 👍/👎

    def remember(self, chat_id: int, hits: list[Hit], cited: tuple[Cited, ...] = ()) -> int:
        """Keeps what the buttons of one answer need; returns its key.

        Keys are random, so a button from before a restart finds nothing rather than another
        question's passages.
        """
        key = secrets.randbelow(_ANSWER_KEYS - 1) + 1
        while key in self.results:
            key = secrets.randbelow(_ANSWER_KEYS - 1) + 1
        self.results[key] = Remembered(chat_id, hits, cited)
        while len(self.results) > _REMEMBERED_ANSWERS:
            self.results.popitem(last=False)
        return key

    def recall(self, key: int, chat_id: int) -> Remembered | None:
        """The answer remembered under ``key`` for this chat; None when expired or not its own."""
        remembered = self.results.get(key)
        if remembered is None or remembered.chat_id != chat_id:
            return None
        return remembered


Context = CallbackContext[ExtBot[None], dict, dict, BotData]  # type: ignore[type-arg]


def service_of(context: Context) -> BriefingService:
    assert context.bot_data.service is not None, "post_init sets the service"
    return context.bot_data.service
