"""One input path: a message asked in Telegram, with ``briefing-bot ask`` and in
``briefing-bot chat`` is cleaned by one function and gets the same answer in all three.

The messages hide characters a reader does not see (zero-width, direction marks, NUL,
terminal escapes, full-width forms) or are small talk, which is replied to, not searched.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio

from bot import cli
from index import pipeline
from index.config import IndexSettings
from tests.support.botapi import BotApiServer
from tests.support.fakes import FakeEmbedder
from tests.support.harness import TOKEN, reply_to, seed_briefing, start_bot, stop_bot

pytestmark = pytest.mark.asyncio(loop_scope="module")

QUESTIONS = [
    "What did Lav\u200brov s\u200day\u2060?",
    "\u202eWhat did Zakharova say?\u202c",
    "What did\x00 Lavrov\x00 say?",
    "\x07\x1b[31mWhat did Zakharova say?\x1b[0m",
    "Ｗｈａｔ ｄｉｄ Ｌａｖｒｏｖ ｓａｙ？",
    "\u200fماذا قال لافروف؟",
    "hello",
    "Merci beaucoup\u00a0!",
    "thanks 🙏",
    "🎉🔥",
]


@pytest.fixture(scope="module")
def embedder() -> FakeEmbedder:
    """One embedder for the three front ends: it records the text each one searched for."""
    return FakeEmbedder()


@pytest.fixture(scope="module")
def briefing(tmp_path_factory: pytest.TempPathFactory) -> IndexSettings:
    return seed_briefing(tmp_path_factory.mktemp("one-input-path"))


@pytest.fixture(scope="module")
def api() -> Iterator[BotApiServer]:
    with BotApiServer(token=TOKEN) as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(
    api: BotApiServer, briefing: IndexSettings, embedder: FakeEmbedder
) -> AsyncIterator[Any]:
    application = await start_bot(api, briefing, embedder)
    yield application
    await stop_bot(application)


@pytest.fixture
def terminal(
    monkeypatch: pytest.MonkeyPatch, briefing: IndexSettings, embedder: FakeEmbedder
) -> None:
    monkeypatch.setenv("BRIEFING_INDEX_DIR", str(briefing.index_dir))
    monkeypatch.setenv("EMBEDDING_MODEL", "fake-hashing-256")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setattr(pipeline, "load_embedder", lambda name, *_: embedder)


def _words(text: str) -> str:
    """Text as a reader sees it: no markup, one space between words."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def _searched_since(embedder: FakeEmbedder, calls: int) -> list[str]:
    return [text for call in embedder.query_calls[calls:] for text in call]


@pytest.mark.parametrize("question", QUESTIONS, ids=ascii)
async def test_telegram_ask_and_chat_search_the_same_text_and_give_the_same_answer(
    question: str,
    api: BotApiServer,
    bot: Any,
    embedder: FakeEmbedder,
    terminal: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    calls = len(embedder.query_calls)
    assert cli.main(["ask", question, "--json"]) == 0
    asked = json.loads(capsys.readouterr().out)
    answer = _words(asked["answer"])
    assert answer
    searched = {"ask": _searched_since(embedder, calls)}

    calls = len(embedder.query_calls)
    monkeypatch.setattr("sys.stdin", io.StringIO(question + "\n"))
    assert cli.main(["chat"]) == 0
    chatted = _words(capsys.readouterr().out)
    assert chatted.startswith(answer)
    searched["chat"] = _searched_since(embedder, calls)

    calls = len(embedder.query_calls)
    sent = await reply_to(api, 9001, question, user_id=9001)
    assert _words(sent.params["text"]).startswith(answer)
    searched["telegram"] = _searched_since(embedder, calls)
    assert searched["ask"] == searched["chat"] == searched["telegram"]
    assert all(char.isprintable() for text in searched["ask"] for char in text)
    if asked["citations"]:
        assert sent.params.get("reply_markup")  # a button per citation
    else:
        assert "Sources" not in sent.params["text"] and "[1]" not in answer
