"""Reading a citation where it stands, end to end: the real Application against the stand-in.

A citation button sends the passage with the paragraphs around it, the answer's sentences in
bold; "Whole article" turns that message into pages of the article; a citation told in
several articles offers each version. The stand-in checks every text as Telegram would (HTML,
4,096 characters), so a reply over the limit fails the test with a 400.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from index.build import build_index
from index.config import IndexSettings
from tests.support.botapi import BotApiServer, Call, SentMessage
from tests.support.fakes import FakeEmbedder
from tests.support.harness import ADMIN, USER, buttons, reply_to, start_bot, stop_bot, wait_for
from tests.support.settle import settle

_OUTPUT = ("sendMessage", "editMessageText", "answerCallbackQuery")
QUOTE = "Halvorsen said the harbour would reopen in March."
HUGE_QUOTE = "Brekke said the port & its <cranes> would stay open."


def _paragraph(n: int) -> str:
    return f"Paragraph {n} opens here. It tells of topic{n} and of nothing else."


def _articles(seeds: Path, articles: dict[str, str]) -> IndexSettings:
    seeds.mkdir()
    for name, text in articles.items():
        (seeds / name).write_text(text, encoding="utf-8")
    settings = IndexSettings(seeds, seeds.parent / "index", "fake-hashing-256")
    build_index(settings.seeds_dir, settings.index_dir, FakeEmbedder())
    return settings


def _ten_paragraphs() -> str:
    """An article of ten short paragraphs; the fifth quotes Halvorsen."""
    paragraphs = [_paragraph(n) for n in range(1, 11)]
    paragraphs[4] = f"{_paragraph(5)} {QUOTE} The ferries wait."
    return "Harbour talks resume in Oslo\n\n" + "\n\n".join(paragraphs) + "\n"


def _huge() -> str:
    """Six short paragraphs, one of 400 sentences, the quote, one of 400, six short ones."""
    before = " ".join(
        f"Sentence b{i} says & <little> more than the one before." for i in range(400)
    )
    after = " ".join(f"Sentence a{i} says & <little> more than the one before." for i in range(400))
    paragraphs = [
        *(_paragraph(n) for n in range(1, 7)),
        before,
        f"Dockers gathered at dawn. {HUGE_QUOTE} Then they went home.",
        after,
        *(_paragraph(n) for n in range(10, 16)),
    ]
    return "A very long day at the port\n\n" + "\n\n".join(paragraphs) + "\n"


@pytest_asyncio.fixture
async def harbour(server: BotApiServer, tmp_path: Path) -> AsyncIterator[Any]:
    """The bot over a briefing of the ten-paragraph article and the huge one."""
    settings = _articles(tmp_path / "seeds", {"oslo.txt": _ten_paragraphs(), "port.txt": _huge()})
    application = await start_bot(server, settings)
    yield application
    await stop_bot(application)


def _entity_texts(message: SentMessage, kind: str) -> list[str]:
    """The texts Telegram shows with entity ``kind``; offsets count UTF-16 code units."""
    encoded = message.text.encode("utf-16-le")
    return [
        encoded[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.entities
        if e["type"] == kind
    ]


async def _press(
    server: BotApiServer, bot: Any, chat: int, message: SentMessage, label: str
) -> list[Call]:
    """Taps the button ``label`` of ``message`` as a client would; what the bot did then."""
    data = buttons(message)[label]
    return await _press_data(server, bot, chat, message.message_id, data, on_keyboard=True)


async def _press_data(
    server: BotApiServer, bot: Any, chat: int, message_id: int, data: str, on_keyboard: bool
) -> list[Call]:
    before = len(server.calls())
    pushed = server.push_callback_query(
        chat, message_id, data, user_id=chat, check_keyboard=on_keyboard
    )
    await settle(server, bot, pushed)
    return [call for call in server.calls()[before:] if call.method in _OUTPUT]


def _message(server: BotApiServer, chat: int, message_id: int) -> SentMessage:
    return next(m for m in server.sent_messages(chat) if m.message_id == message_id)


async def _ask(server: BotApiServer, chat: int, question: str) -> SentMessage:
    await reply_to(server, chat, question, user_id=chat)
    return server.sent_messages(chat)[-1]


async def _open_context(
    server: BotApiServer, bot: Any, chat: int, answer: SentMessage, label: str = "[1]"
) -> SentMessage:
    """Taps a citation button; the context message it sends."""
    output = await _press(server, bot, chat, answer, label)
    assert [(c.method, c.status) for c in output] == [
        ("answerCallbackQuery", 200),
        ("sendMessage", 200),
    ]
    return server.sent_messages(chat)[-1]


@pytest.mark.asyncio
async def test_a_citation_shows_the_paragraphs_around_it_with_its_quote_in_bold(
    server: BotApiServer, bot: Any
) -> None:
    answer = await _ask(server, USER, "What did Zakharova say?")
    quoted = answer.text.split(" [1]")[0]
    assert quoted.startswith("The official representative of Russian foreign Ministry Maria")
    shown = await _open_context(server, bot, USER, answer)
    assert shown.text.startswith("Moscow has invited Berlin to consult on cyber security\n¶ 6")
    # The paragraph before (5), the first half of its own paragraph, then the quote; no ¶ 7.
    assert "¶ 5 At the end of may, the German foreign Minister" in shown.text
    assert "¶ 6 The Russian foreign Minister Sergei Lavrov said" in shown.text
    assert shown.text.index("Sergei Lavrov said") < shown.text.index(quoted)
    assert "¶ 7" not in shown.text
    bold = _entity_texts(shown, "bold")
    assert bold == ["Moscow has invited Berlin to consult on cyber security", quoted]
    assert list(buttons(shown)) == ["Whole article"]


@pytest.mark.asyncio
async def test_the_whole_article_pages_to_the_end_and_back_to_the_first_page(
    server: BotApiServer, harbour: Any
) -> None:
    answer = await _ask(server, USER, "What did Halvorsen say?")
    assert QUOTE in answer.text
    shown = await _open_context(server, harbour, USER, answer)
    assert "¶ 4 Paragraph 4" in shown.text and "¶ 6 Paragraph 6" in shown.text
    assert "¶ 3" not in shown.text and "¶ 7" not in shown.text
    pages: dict[int, SentMessage] = {}
    output = await _press(server, harbour, USER, shown, "Whole article")
    assert [(c.method, c.status) for c in output] == [
        ("answerCallbackQuery", 200),
        ("editMessageText", 200),
    ]
    page = _message(server, USER, shown.message_id)
    assert page.text.endswith("Page 2 of 4")  # the page of the quoted paragraph comes first
    assert _entity_texts(page, "bold")[1:] == [QUOTE]
    pages[2] = page
    for label, expected in (("Next ›", 3), ("Next ›", 4), ("‹ Prev", 3), ("‹ Prev", 2)):
        output = await _press(server, harbour, USER, page, label)
        assert [c.status for c in output] == [200, 200]
        page = _message(server, USER, shown.message_id)
        assert page.text.endswith(f"Page {expected} of 4")
        pages[expected] = page
    output = await _press(server, harbour, USER, page, "‹ Prev")
    page = pages[1] = _message(server, USER, shown.message_id)
    assert page.text.endswith("Page 1 of 4") and page.edits == 6
    assert list(buttons(pages[1])) == ["Next ›"] and list(buttons(pages[4])) == ["‹ Prev"]
    assert list(buttons(pages[2])) == ["‹ Prev", "Next ›"]
    for number, shown_page in pages.items():  # three paragraphs a page, the last one left over
        paragraphs = range(3 * number - 2, min(3 * number, 10) + 1)
        assert [line.split()[1] for line in shown_page.text.split("\n\n")[1:-1]] == [
            str(n) for n in paragraphs
        ]
    assert _entity_texts(pages[1], "bold") == _entity_texts(pages[3], "bold")  # the title only
    again = await _press(server, harbour, USER, page, "Next ›")
    again += await _press_data(
        server, harbour, USER, page.message_id, buttons(page)["Next ›"], on_keyboard=False
    )  # a second tap on the page just shown: Telegram says "not modified", the bot says nothing
    assert [(c.method, c.status) for c in again] == [
        ("answerCallbackQuery", 200),
        ("editMessageText", 200),
        ("answerCallbackQuery", 200),
        ("editMessageText", 400),
    ]


@pytest.mark.asyncio
async def test_a_huge_article_is_cut_around_the_quote_and_paged_within_the_limits(
    server: BotApiServer, harbour: Any
) -> None:
    answer = await _ask(server, USER, "What did Brekke say?")
    assert HUGE_QUOTE in answer.text
    shown = await _open_context(server, harbour, USER, answer)
    assert len(shown.source) <= 4096
    assert HUGE_QUOTE in _entity_texts(shown, "bold")
    # Cut from the far ends of the paragraphs around: the sentences nearest the quote stay.
    assert "¶ 7 … Sentence b" in shown.text and "b399 says & <little>" in shown.text
    assert "a0 says" in shown.text and shown.text.endswith("…")
    assert "b0 says" not in shown.text and "a399" not in shown.text
    assert "Dockers gathered at dawn." in shown.text and "Then they went home." in shown.text
    output = await _press(server, harbour, USER, shown, "Whole article")
    page = _message(server, USER, shown.message_id)
    first, pages = page.text.rsplit("Page ", 1)[1].split(" of ")
    seen = {int(first): page.text}
    assert [c.status for c in output] == [200, 200] and HUGE_QUOTE in page.text
    for label in ("Next ›", "‹ Prev"):
        while label in buttons(page):
            output = await _press(server, harbour, USER, page, label)
            assert [c.status for c in output] == [200, 200]
            page = _message(server, USER, shown.message_id)
            assert len(page.source) <= 4096
            seen[int(page.text.rsplit("Page ", 1)[1].split(" of ")[0])] = page.text
    assert sorted(seen) == list(range(1, int(pages) + 1)) and int(pages) > 10
    everything = " ".join(seen.values())
    for sentence in (*(f"b{i} says" for i in range(400)), *(f"a{i} says" for i in range(400))):
        assert sentence in everything
    assert "¶ 7, continued" in everything


@pytest.mark.asyncio
async def test_one_story_in_two_articles_is_cited_once_with_a_button_for_the_other(
    server: BotApiServer, tmp_path: Path
) -> None:
    story = (
        "Ferry operators met in Oslo on Monday. {quote} Tickets will cost more.\n\n"
        "Snow closed the mountain road for a day.\n"
    )
    settings = _articles(
        tmp_path / "seeds",
        {
            "a_wire.txt": "Harbour talks resume in Oslo\n\n" + story.format(quote=QUOTE),
            "b_agency.txt": "Oslo harbour to reopen\n\n"
            + story.format(quote=QUOTE.replace("March", "April")),
        },
    )
    application = await start_bot(server, settings)
    try:
        answer = await _ask(server, USER, "What did Halvorsen say?")
        assert "[1] Harbour talks resume in Oslo, ¶ 1 · also in: EN" in answer.text
        assert "[2]" not in answer.text
        assert list(buttons(answer))[:2] == ["[1]", "[1] EN"]
        version = await _open_context(server, application, USER, answer, "[1] EN")
        assert version.text.startswith("Oslo harbour to reopen\n¶ 1 of 2 · b_agency.txt")
        april = QUOTE.replace("March", "April")
        assert _entity_texts(version, "bold")[1:] == [april]
        assert version.text.endswith(
            "The same story as [1]: in bold, the sentences closest to its quote."
        )
        assert "Snow closed the mountain road" in version.text  # the paragraph after
    finally:
        await stop_bot(application)


@pytest.mark.asyncio
async def test_reading_buttons_from_before_a_rebuild_are_refused(
    server: BotApiServer, bot: Any, index_settings: IndexSettings
) -> None:
    answer = await _ask(server, USER, "What did Zakharova say?")
    shown = await _open_context(server, bot, USER, answer)
    stale = [
        (answer, "[1]"),
        (shown, "Whole article"),
    ]
    (index_settings.seeds_dir / "new.txt").write_text(  # an unchanged briefing is not rebuilt
        "Breaking news\n\nThe Kremlin said talks on NotPetya would resume.\n", encoding="utf-8"
    )
    before = len(server.calls("sendMessage"))
    server.push_message(ADMIN, "/reindex", user_id=ADMIN)
    done = await wait_for(server, "sendMessage", count=before + 2, timeout=30)
    assert "Done" in done[-1].params["text"]
    for message, label in stale:
        output = await _press(server, bot, USER, message, label)
        assert [(c.method, c.params.get("text"), c.params.get("show_alert")) for c in output] == [
            (
                "answerCallbackQuery",
                "The briefing was updated since this message: please ask again.",
                True,
            )
        ]


@pytest.mark.asyncio
async def test_forged_and_forgotten_readingbuttons(server: BotApiServer, bot: Any) -> None:
    answer = await _ask(server, USER, "What did Zakharova say?")
    stamp = bot.bot_data.service.stamp
    citation = buttons(answer)["[1]"]
    key, passage = citation.split(":")[1:3]
    for data in (f"c:{key}:99999999:{stamp}", f"a:{key}:99999999:1:{stamp}"):
        output = await _press_data(server, bot, USER, answer.message_id, data, on_keyboard=False)
        assert [(c.method, c.params.get("text")) for c in output] == [
            ("answerCallbackQuery", "Sorry, I don't know that button.")
        ]
    # Another chat's answer, or one forgotten: the passage still shows, nothing in bold.
    other = 7100
    await _ask(server, other, "/help")
    message = server.sent_messages(other)[-1]
    for answer_key in (key, "999999999999"):
        output = await _press_data(
            server, bot, other, message.message_id, f"c:{answer_key}:{passage}:{stamp}", False
        )
        assert [(c.method, c.status) for c in output] == [
            ("answerCallbackQuery", 200),
            ("sendMessage", 200),
        ]
        shown = server.sent_messages(other)[-1]
        assert "Maria Zakharova said" in shown.text
        assert _entity_texts(shown, "bold") == [shown.text.split("\n")[0]]
        assert shown.text.endswith("has expired, so no sentence is marked.")
