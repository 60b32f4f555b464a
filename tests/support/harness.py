"""Running the real bot against the Bot API stand-in, for the tests of `bot/`."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from bot.app import build_application
from bot.config import BotSettings
from index.build import build_index
from index.config import IndexSettings
from index.service import BriefingService
from tests.support.fakes import FakeEmbedder
from tests.support.paths import SEEDS

TOKEN = "123456789:AAEabcdefghijklmnopqrstuvwxyz012345"
ADMIN, USER, STRANGER = 1001, 1002, 1003
GROUP = -100200300


def seed_briefing(root: Path) -> IndexSettings:
    """The seed articles copied under ``root`` and indexed there with the fake embedder."""
    shutil.copytree(SEEDS, root / "seeds")
    settings = IndexSettings(root / "seeds", root / "index", "fake-hashing-256")
    build_index(settings.seeds_dir, settings.index_dir, FakeEmbedder())
    return settings


async def start_bot(
    server: Any,
    index_settings: IndexSettings,
    embedder: FakeEmbedder | None = None,
    **overrides: Any,
) -> Any:
    """The Application `briefing-bot` runs, polling the stand-in."""
    settings = BotSettings(
        token=TOKEN,
        api_base_url=server.base_url,
        admin_user_ids=frozenset({ADMIN}),
        index=index_settings,
        **overrides,
    )
    service = BriefingService(index_settings, embedder or FakeEmbedder())
    application = build_application(settings, service)
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    await application.start()
    if settings.webhook_url is None:
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
    return application


async def stop_bot(application: Any) -> None:
    """Stops polling (or the webhook) and the Application."""
    if application.updater.running:
        await application.updater.stop()
    await application.stop()
    await application.shutdown()
    assert application.post_shutdown is not None
    await application.post_shutdown(application)  # as run_polling does


async def wait_for(server: Any, method: str, count: int = 1, timeout: float = 10.0) -> list[Any]:
    """The calls of ``method`` once there are ``count``; polls without blocking the bot's loop."""
    deadline = asyncio.get_running_loop().time() + timeout
    while len(calls := server.calls(method)) < count:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{len(calls)} {method} calls after {timeout} s, wanted {count}")
        await asyncio.sleep(0.02)
    return list(calls)


async def reply_to(server: Any, chat_id: int, text: str, **kwargs: Any) -> Any:
    """Pushes a message and returns the bot's next sendMessage call."""
    before = len(server.calls("sendMessage"))
    server.push_message(chat_id, text, **kwargs)
    return (await wait_for(server, "sendMessage", count=before + 1))[-1]


async def reply_to_update(server: Any, update: dict[str, Any]) -> Any:
    """Pushes a raw update and returns the bot's next sendMessage call."""
    before = len(server.calls("sendMessage"))
    server.push_update(update)
    return (await wait_for(server, "sendMessage", count=before + 1))[-1]


def buttons(message: Any) -> dict[str, str]:
    """The inline buttons of a ``SentMessage``: text to callback_data."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return {button["text"]: button["callback_data"] for row in rows for button in row}
