"""What the handlers share: the settings, the answer service, the answers their buttons need."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram.ext import CallbackContext, ExtBot

from bot.config import BotSettings
from bot.memory import AnswerMemory
from index.service import BriefingService


@dataclass
class BotData:
    """What every handler shares: the settings, the answer service, the last answers sent."""

    settings: BotSettings | None = None
    service: BriefingService | None = None
    answers: AnswerMemory = field(default_factory=AnswerMemory)


Context = CallbackContext[ExtBot[None], dict, dict, BotData]  # type: ignore[type-arg]


def service_of(context: Context) -> BriefingService:
    assert context.bot_data.service is not None, "post_init sets the service"
    return context.bot_data.service
