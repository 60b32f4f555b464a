"""What the handlers share: the settings, the answer service, the answers their buttons need."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from telegram.ext import CallbackContext, ExtBot

from bot.config import BotSettings
from bot.memory import AnswerMemory
from index.follows import FollowStore
from index.service import BriefingService


@dataclass
class BotData:
    """What every handler shares: the settings, the answer service, the last answers sent, the
    followed topics and scheduled digests."""

    settings: BotSettings | None = None
    service: BriefingService | None = None
    answers: AnswerMemory = field(default_factory=AnswerMemory)
    follows: FollowStore | None = None
    follow_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    follows_checked: str | None = None  # the stamp of the last index checked for news


Context = CallbackContext[ExtBot[None], dict, dict, BotData]  # type: ignore[type-arg]


def service_of(context: Context) -> BriefingService:
    assert context.bot_data.service is not None, "post_init sets the service"
    return context.bot_data.service
