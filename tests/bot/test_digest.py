"""``/digest`` end to end: the real Application against the stand-in Bot API; and
``briefing-bot digest`` in the terminal."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot import cli
from bot.digest import STORIES_PER_PAGE, USAGE
from index.build import build_index
from index.config import IndexSettings
from tests.support.botapi import BotApiServer
from tests.support.fakes import FakeEmbedder
from tests.support.harness import USER, buttons, reply_to, start_bot, stop_bot
from tests.support.settle import settle

STORIES = [
    ("harbour", "Tromsø harbour reopened after the storm closed its quay for three days."),
    ("ferry", "Barra ferry Clansman returns from refit in Greenock next Friday."),
    ("wind", "County approves forty offshore turbines near Bodø despite fishermen."),
    ("kelp", "Galway seaweed growers harvested 310 tonnes this winter, triple."),
    ("trams", "Ghent keeps night trams running until 2 a.m. at weekends."),
    ("quota", "Brussels cuts Biscay sole quota by 18 percent following scientists."),
    ("lighthouse", "Hook Head keepers' houses become museum with original lens."),
]


def _article(n: int, topic: str, sentence: str) -> str:
    return f"date 2026-03-{n + 1:02d}\nNews of the {topic}\n\n{sentence}\n"


@pytest_asyncio.fixture
async def dated(server: BotApiServer, tmp_path: Path) -> AsyncIterator[Any]:
    """The bot over seven dated articles of seven stories."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for n, (topic, sentence) in enumerate(STORIES):
        (seeds / f"{n}-{topic}.txt").write_text(_article(n, topic, sentence), encoding="utf-8")
    settings = IndexSettings(seeds, tmp_path / "index", "fake-hashing-256")
    build_index(settings.seeds_dir, settings.index_dir, FakeEmbedder())
    application = await start_bot(server, settings)
    yield application
    await stop_bot(application)


@pytest.mark.asyncio
async def test_digest_all_of_the_seeds_cites_each_story_withbuttons(
    server: BotApiServer, bot: Any
) -> None:
    await reply_to(server, USER, "/digest all", user_id=USER)
    sent = server.sent_messages(USER)[-1]
    assert sent.text.startswith("Digest · the whole briefing · 2 stories")
    assert "1. L’ambassade de Russie" in sent.text and "2. Moscow has invited Berlin" in sent.text
    assert "2018-05-26 · FR · TASS" in sent.text and "undated · EN" in sent.text
    assert "Sources\n[1] L’ambassade" in sent.text
    pressable = buttons(sent)
    assert list(pressable) == ["[1]", "[2]", "[3]", "[4]"]
    pushed = server.push_callback_query(USER, sent.message_id, pressable["[3]"], user_id=USER)
    await settle(server, bot, pushed)
    shown = server.sent_messages(USER)[-1]
    assert shown.text.startswith("Moscow has invited Berlin to consult on cyber security")


@pytest.mark.asyncio
async def test_the_week_is_paged_with_the_same_buttons_as_answers(
    server: BotApiServer, dated: Any
) -> None:
    await reply_to(server, USER, "/digest", user_id=USER)
    first = server.sent_messages(USER)[-1]
    assert first.text.startswith("Digest · 2026-03-01 – 2026-03-07 · 7 stories")
    assert "Page 1 of 3" in first.text
    headlines = [line for line in first.text.splitlines() if ". News of the " in line]
    assert len(headlines) == STORIES_PER_PAGE
    assert "1. News of the lighthouse" in first.text  # the newest first
    pushed = server.push_callback_query(USER, first.message_id, buttons(first)["More ›"])
    await settle(server, dated, pushed)
    second = server.sent_messages(USER)[-1]
    assert second.message_id == first.message_id and second.edits == 1
    assert "Page 2 of 3" in second.text and "4. News of the kelp" in second.text
    assert "[1]" in buttons(second) and "‹ Back" in buttons(second)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("asked", "shown"),
    [
        ("/digest tomorrow", USAGE),
        ("/digest 2019-01-01", "Digest · 2019-01-01 · 0 stories\nNothing in the briefing is dated"),
    ],
)
async def test_a_bad_or_empty_period_gets_a_clear_reply(
    server: BotApiServer, bot: Any, asked: str, shown: str
) -> None:
    await reply_to(server, USER, asked, user_id=USER)
    assert server.sent_messages(USER)[-1].text.startswith(shown)


def test_briefing_bot_digest_json(
    index_settings: IndexSettings, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("BRIEFING_INDEX_DIR", str(index_settings.index_dir))
    monkeypatch.setenv("EMBEDDING_MODEL", "fake-hashing-256")
    assert cli.main(["digest", "all", "--json"]) == 0
    digest = json.loads(capsys.readouterr().out)
    assert digest["period"] == "all" and digest["from"] is None
    assert [s["languages"] for s in digest["stories"]] == [["fr"], ["en"]]
    citation = digest["stories"][0]["citations"][0]
    assert citation["n"] == 1 and "L’ambassade de Russie" in citation["text"]
    assert digest["stories"][0]["summary"].startswith("L’ambassade de Russie")
