from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from index.build import build_index
from index.config import IndexSettings
from tests.conftest import SEEDS
from tests.support.botapi import BotApiServer
from tests.support.fakes import FakeEmbedder
from tests.support.harness import TOKEN, start_bot, stop_bot


@pytest.fixture
def index_settings(tmp_path: Path) -> IndexSettings:
    """The seed articles, indexed with the fake embedder, in a private folder."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    settings = IndexSettings(seeds, tmp_path / "index", "fake-hashing-256")
    build_index(settings.seeds_dir, settings.index_dir, FakeEmbedder())
    return settings


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    with BotApiServer(token=TOKEN) as api:
        yield api


@pytest_asyncio.fixture
async def bot(server: BotApiServer, index_settings: IndexSettings) -> AsyncIterator[Any]:
    application = await start_bot(server, index_settings)
    yield application
    await stop_bot(application)
