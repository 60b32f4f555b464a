"""Running the Telegram bot: the token checked first, then polling or a webhook."""

from __future__ import annotations

import asyncio
import sys

from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application

from bot.app import build_application
from bot.config import BotSettings
from bot.redaction import redact
from index.service import BriefingService


def run_bot(settings: BotSettings) -> int:
    """Runs the Telegram bot until SIGINT or SIGTERM; long polling, or a webhook if configured."""
    try:
        # Checked before the Application starts: its own retry loop would log a traceback.
        asyncio.run(_check_token(settings))
        service = BriefingService(settings.index)
        service.warm_up()
        _serve(build_application(settings, service), settings)
    except InvalidToken:
        print(
            "briefing-bot: error: Telegram refused TELEGRAM_BOT_TOKEN: copy the token again from "
            "@BotFather (/mybots → your bot → API Token)",
            file=sys.stderr,
        )
        return 1
    except NetworkError as error:
        print(
            f"briefing-bot: error: cannot reach the Bot API at {settings.api_base_url} "
            f"({redact(str(error))}): check the network or TELEGRAM_API_BASE_URL",
            file=sys.stderr,
        )
        return 1
    return 0


async def _check_token(settings: BotSettings) -> None:
    assert settings.token is not None
    async with Bot(settings.token, base_url=settings.api_base_url) as bot:
        await bot.get_me()


def _serve(application: Application, settings: BotSettings) -> None:  # type: ignore[type-arg]
    if settings.webhook_url:
        application.run_webhook(
            listen="0.0.0.0",
            port=settings.webhook_port,
            secret_token=settings.webhook_secret,
            webhook_url=settings.webhook_url,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
