from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from index.config import IndexSettings
from tests.support.botapi import BotApiServer
from tests.support.harness import TOKEN, seed_briefing, start_bot, stop_bot


@pytest.fixture
def index_settings(tmp_path: Path) -> IndexSettings:
    """The seed articles, indexed with the fake embedder, in a private folder."""
    return seed_briefing(tmp_path)


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    with BotApiServer(token=TOKEN) as api:
        yield api


@pytest_asyncio.fixture
async def bot(server: BotApiServer, index_settings: IndexSettings) -> AsyncIterator[Any]:
    application = await start_bot(server, index_settings)
    yield application
    await stop_bot(application)
