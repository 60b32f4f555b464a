"""``/timeline``, end to end through the real Application against the Bot API stand-in, and
its rendering within Telegram's limits."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import COMMANDS
from bot.render import MESSAGE_LIMIT
from bot.timeline import render_timeline, when_text
from index.articles.dates import DateRange
from index.config import IndexSettings
from index.embedding.models import Vectors
from index.records import Article, Hit, Passage
from index.retrieval.timeline import TimelineEntry
from tests.support.botapi import BotApiServer, format_text
from tests.support.fakes import FakeEmbedder
from tests.support.harness import USER, reply_to, start_bot, stop_bot, wait_for

_LINE = re.compile(r"^<b>(?P<when>[^<]+)</b> · (?P<sentence>.+) \[(?P<n>\d+)\]$")


def _lines(text: str) -> list[re.Match[str]]:
    return [m for line in text.splitlines() if (m := _LINE.match(line))]


@pytest.mark.asyncio
async def test_timeline_of_lavrov_starts_on_22_december_2017(
    server: BotApiServer, bot: Any
) -> None:
    call = await reply_to(server, USER, "/timeline Lavrov", user_id=USER)
    text = call.params["text"]
    assert text.startswith("<b>Timeline: Lavrov</b>\n")
    lines = _lines(text)
    assert [m["n"] for m in lines] == [str(n) for n in range(1, len(lines) + 1)]
    assert lines[0]["when"] == "22 December 2017" and "22 décembre 2017" in lines[0]["sentence"]
    assert lines[-1]["when"] == "undated" and "Sergei Lavrov said" in lines[-1]["sentence"]
    assert all("Lavrov" in m["sentence"] for m in lines)
    sources = text.split("<b>Sources</b>\n", 1)[1].splitlines()
    assert len(sources) == len(lines) and sources[0].startswith("[1] ")
    assert sources[0].endswith("¶ 2") and sources[-1].endswith("¶ 6")
    buttons = [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == [f"[{n}]" for n in range(1, len(lines) + 1)]
    format_text(text, "HTML")  # Telegram's own parser takes it
    message = server.sent_messages(USER)[-1]
    before = len(server.calls("sendMessage"))
    server.push_callback_query(
        USER, message.message_id, buttons[0]["callback_data"], user_id=USER, check_keyboard=True
    )
    shown = (await wait_for(server, "sendMessage", count=before + 1))[-1].params["text"]
    assert "Boris Johnson, le 22 décembre 2017" in shown


@pytest.mark.asyncio
async def test_timeline_alone_says_how_to_use_it(server: BotApiServer, bot: Any) -> None:
    assert "timeline" in [c.command for c in COMMANDS]
    for text in ("/timeline", "/timeline   ", "/timeline \u200b"):
        usage = await reply_to(server, USER, text, user_id=USER)
        assert "/timeline followed by a name or topic" in usage.params["text"]
    assert "/timeline" in (await reply_to(server, USER, "/help", user_id=USER)).params["text"]


@pytest.mark.asyncio
async def test_timeline_of_something_absent_says_so(server: BotApiServer, bot: Any) -> None:
    call = await reply_to(server, USER, "/timeline Merkel", user_id=USER)
    assert call.params["text"].startswith("The briefing has nothing on <i>Merkel</i>")
    assert "reply_markup" not in call.params
    escaped = await reply_to(server, USER, "/timeline Merkel & Schröder", user_id=USER)
    assert "<i>Merkel &amp; Schröder</i>" in escaped.params["text"]


class _GatedEmbedder(FakeEmbedder):
    """Holds the embedding of the topic "Lavrov" until ``release`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.embedding, self.release = threading.Event(), threading.Event()

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        if "Lavrov" in texts:
            self.embedding.set()
            self.release.wait(10)
        return super().embed_queries(texts)


@pytest.mark.asyncio
async def test_a_timeline_being_worked_out_holds_up_no_other_chat(
    server: BotApiServer, index_settings: IndexSettings
) -> None:
    embedder = _GatedEmbedder()
    application = await start_bot(server, index_settings, embedder)
    try:
        server.push_message(USER, "/timeline Lavrov", user_id=USER)
        assert await asyncio.to_thread(embedder.embedding.wait, 10)
        help_reply = await reply_to(server, 2002, "/help", user_id=2002)
        assert "How" in help_reply.params["text"] or "question" in help_reply.params["text"]
        embedder.release.set()
        timeline = await wait_for(server, "sendMessage", count=2)
        assert timeline[-1].params["text"].startswith("<b>Timeline: Lavrov</b>")
    finally:
        embedder.release.set()
        await stop_bot(application)


def _entry(n: int, sentence: str, when: DateRange | None) -> TimelineEntry:
    article = Article(f"{n:03}.txt", f"Article {n} " + "title " * 30, "2018-05-26", None, "en", "")
    passage = Passage(n, article.source, 1, 0, len(sentence), sentence, ((0, len(sentence)),))
    return TimelineEntry(when, (0, len(sentence)), Hit(passage, article, 0.5))


def test_a_long_timeline_drops_lines_rather_than_cutting_one() -> None:
    day = DateRange(date(2018, 5, 1), date(2018, 5, 1))
    entries = [_entry(n, f"Lavrov & <Co> said {n}: " + "word " * 80 + ".", day) for n in range(20)]
    rendered = render_timeline("Lavrov", entries, "0123abcd")
    assert len(rendered.text) <= MESSAGE_LIMIT
    format_text(rendered.text, "HTML")
    lines = _lines(rendered.text)
    assert 1 < len(lines) < 20
    assert all(m["sentence"].endswith("word .") for m in lines), "no line is cut"
    assert f"<i>{20 - len(lines)} more not shown</i>" in rendered.text
    assert rendered.keyboard is not None
    shown = [b for row in rendered.keyboard.inline_keyboard for b in row]
    assert len(shown) == len(lines) and all(
        len(row) <= 8 for row in rendered.keyboard.inline_keyboard
    )


def test_one_sentence_longer_than_a_message_is_the_only_cut() -> None:
    rendered = render_timeline("Lavrov", [_entry(0, "Lavrov " + "& " * 3000, None)], "0123abcd")
    assert len(rendered.text) <= MESSAGE_LIMIT and "<b>Sources</b>\n[1] " in rendered.text
    format_text(rendered.text, "HTML")


@pytest.mark.parametrize(
    ("when", "shown"),
    [
        (None, "undated"),
        (DateRange(date(2017, 12, 22), date(2017, 12, 22)), "22 December 2017"),
        (DateRange(date(2015, 5, 1), date(2015, 5, 31)), "May 2015"),
        (DateRange(date(2015, 1, 1), date(2015, 12, 31)), "2015"),
        (DateRange(date(2015, 4, 1), date(2015, 5, 31)), "1 April 2015 – 31 May 2015"),
    ],
)
def test_dates_read_as_written_in_english(when: DateRange | None, shown: str) -> None:
    assert when_text(when) == shown


@settings(max_examples=60, deadline=None)
@given(
    sentences=st.lists(st.text(min_size=1, max_size=700), min_size=1, max_size=20),
    topic=st.text(min_size=1, max_size=300),
)
def test_any_timeline_is_valid_html_within_the_limit(sentences: list[str], topic: str) -> None:
    entries = [_entry(n, text, None) for n, text in enumerate(sentences)]
    rendered = render_timeline(topic, entries, "0123abcd")
    assert len(rendered.text) <= MESSAGE_LIMIT
    format_text(rendered.text, "HTML")
    assert rendered.keyboard is not None and rendered.keyboard.inline_keyboard
