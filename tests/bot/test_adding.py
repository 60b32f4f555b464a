"""Adding articles in Telegram, end to end: the real Application against the stand-in Bot API,
files fetched with getFile and the file URL, the index rebuilt while the old one answers.

The files are real, made by ``tests.support.documents``; what the bot refuses must leave the
seeds folder and the index exactly as they were.
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from bot.adding import ADD_USAGE, NOT_ADMIN
from index.config import IndexSettings
from index.store.folder import load_index
from tests.support.botapi import BotApiServer, SentMessage
from tests.support.documents import pdf_bytes
from tests.support.harness import (
    ADMIN,
    GROUP,
    USER,
    reply_to,
    reply_to_update,
    start_bot,
    stop_bot,
)
from tests.support.settle import settle

pytestmark = pytest.mark.asyncio

REPORT_PAGES = [
    [
        "Harbour authority annual report",
        "The harbour authority met on Monday to review a difficult year for the port.",
    ],
    [
        "Halvorsen said the Tromsø quay would reopen on 14 March after the storm repairs.",
        "The council will pay for two new cranes.",
    ],
]
POST = (
    "Wind farm approved off Bodø\n\n"
    "The county approved the Bodø offshore wind farm on Wednesday. Construction of the forty "
    "turbines starts in spring and the first power is expected in 2029, the developer said."
)


@pytest_asyncio.fixture
async def bot(server: BotApiServer, index_settings: IndexSettings) -> AsyncIterator[Any]:
    application = await start_bot(server, index_settings)
    yield application
    await stop_bot(application)


def _snapshot(settings: IndexSettings) -> tuple[list[str], str, list[tuple[str, str]]]:
    """The seeds folder's files, the index's build time and its articles' sources and hashes."""
    files = sorted(
        p.relative_to(settings.seeds_dir).as_posix() for p in settings.seeds_dir.rglob("*")
    )
    index = load_index(settings.index_dir)
    articles = [(a.source, a.sha256) for a in index.articles.values()]
    return files, index.manifest.built_at, articles


async def _send(server: BotApiServer, update: dict[str, Any], replies: int) -> list[SentMessage]:
    """Pushes an update; the bot's next ``replies`` messages in that chat."""
    chat = update["message"]["chat"]["id"]
    before = len(server.sent_messages(chat))
    server.push_update(update)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while len(server.sent_messages(chat)) < before + replies:
        if loop.time() > deadline:
            raise AssertionError(
                f"{len(server.sent_messages(chat)) - before} replies, not {replies}"
            )
        await asyncio.sleep(0.02)
    return server.sent_messages(chat)[before:]


async def _ask(server: BotApiServer, chat: int, question: str) -> str:
    return str((await reply_to(server, chat, question, user_id=chat)).params["text"])


async def test_an_admin_adds_a_pdf_and_the_next_question_finds_it_with_its_page(
    server: BotApiServer, bot: Any, index_settings: IndexSettings
) -> None:
    _, _, before = _snapshot(index_settings)
    data = pdf_bytes(REPORT_PAGES, title="Harbour authority annual report")
    update = server.document_message(ADMIN, data, "Annual report 2026.pdf", "application/pdf")
    adding, added = await _send(server, update, replies=2)
    assert adding.text == "Adding Annual report 2026.pdf…"
    assert "Added the article of the PDF as telegram/Annual-report-2026.pdf" in added.text
    assert "<b>Harbour authority annual report</b> (en" in added.source
    assert "/remove telegram/Annual-report-2026.pdf" in added.text
    assert [c.params["file_id"] for c in server.calls("getFile")] == [
        update["message"]["document"]["file_id"]
    ]
    saved = index_settings.seeds_dir / "telegram" / "Annual-report-2026.pdf"
    assert saved.read_bytes() == data
    _, _, after = _snapshot(index_settings)
    assert [a for a in after if not a[0].startswith("telegram/")] == before  # nothing else moved
    answer = await _ask(server, ADMIN, "When will the Tromsø quay reopen, Halvorsen said?")
    assert "reopen on 14 March" in answer
    assert "p. 2" in answer and "Harbour authority annual report" in answer
    cited = server.sent_messages(ADMIN)[-1]
    data = next(
        button["callback_data"]
        for row in (cited.reply_markup or {})["inline_keyboard"]
        for button in row
        if button["text"] == "[1]"
    )
    await settle(server, bot, server.push_callback_query(ADMIN, cited.message_id, data))
    context = server.sent_messages(ADMIN)[-1]
    assert context.text.startswith("Harbour authority annual report")
    assert (
        " · p. 2 · telegram/Annual-report-2026.pdf" in context.text and "14 March" in context.text
    )


async def test_an_admin_forwards_a_channel_post_kept_with_its_channel_date_and_link(
    server: BotApiServer, bot: Any, index_settings: IndexSettings
) -> None:
    update = server.forwarded_post(ADMIN, POST, user_id=ADMIN)
    _, added = await _send(server, update, replies=2)
    assert "<b>Wind farm approved off Bodø</b> (en, 2026-03-12)" in added.source
    index = load_index(index_settings.index_dir)
    article = next(a for a in index.articles.values() if a.source.startswith("telegram/"))
    assert article.source == "telegram/2026-03-12-harbour_news-wind-farm-approved-off-bodø.md"
    assert article.agency == "Harbour News" and article.date == "2026-03-12"
    assert article.link == "https://t.me/harbour_news/77"
    reply = await reply_to(server, ADMIN, "When is the first power of the Bodø wind farm expected?")
    assert "2029" in reply.params["text"]
    assert 'href="https://t.me/harbour_news/77"' in reply.params["text"]


async def test_pasted_text_after_add_is_an_article_and_a_short_one_gets_the_usage(
    server: BotApiServer, bot: Any, index_settings: IndexSettings
) -> None:
    short = await reply_to(server, ADMIN, "/add too short", user_id=ADMIN)
    assert short.params["text"] == ADD_USAGE
    update = server.text_message(ADMIN, "/add " + POST, user_id=ADMIN)
    _, added = await _send(server, update, replies=2)
    assert "Added the article of the text" in added.text
    assert (index_settings.seeds_dir / "telegram").is_dir()
    again = server.text_message(ADMIN, "/add " + POST, user_id=ADMIN)
    _, refused = await _send(server, again, replies=2)
    assert refused.text.startswith("Not added:") and "already in the briefing as telegram/" in (
        refused.text
    )


async def test_the_same_pdf_twice_is_added_once(
    server: BotApiServer, bot: Any, index_settings: IndexSettings
) -> None:
    data = pdf_bytes(REPORT_PAGES)
    await _send(server, server.document_message(ADMIN, data, "report.pdf"), replies=2)
    snapshot = _snapshot(index_settings)
    _, refused = await _send(server, server.document_message(ADMIN, data, "copy.pdf"), replies=2)
    assert refused.text == (
        "Not added: copy.pdf is already in the briefing as telegram/report.pdf "
        "(Harbour authority annual report)."
    )
    assert _snapshot(index_settings) == snapshot


def _broken_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document")
    return buffer.getvalue()[:-30]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("locked.pdf", pdf_bytes(REPORT_PAGES, encrypt_user_password="secret"), "password"),
        ("scan.pdf", pdf_bytes([[]]), "no text in its 1 page"),
        ("broken.docx", _broken_docx(), "not a readable Word document"),
        ("photo.jpg", b"\xff\xd8\xff\xe0JFIF", "not a format the briefing reads (.jpg)"),
        ("empty.txt", b"  \n", "the file is empty"),
    ],
)
async def test_a_broken_file_gets_its_reason_and_changes_nothing(
    server: BotApiServer,
    bot: Any,
    index_settings: IndexSettings,
    name: str,
    data: bytes,
    reason: str,
) -> None:
    snapshot = _snapshot(index_settings)
    _, refused = await _send(server, server.document_message(ADMIN, data, name), replies=2)
    assert refused.text.startswith(f"Not added: {name}: ") and reason in refused.text
    assert _snapshot(index_settings) == snapshot


async def test_a_non_admin_is_told_politely_and_nothing_is_fetched(
    server: BotApiServer, bot: Any, index_settings: IndexSettings
) -> None:
    snapshot = _snapshot(index_settings)
    sent = await reply_to_update(
        server, server.document_message(USER, pdf_bytes(REPORT_PAGES), "r.pdf")
    )
    assert sent.params["text"] == NOT_ADMIN
    forwarded = await reply_to_update(server, server.forwarded_post(USER, POST, user_id=USER))
    assert forwarded.params["text"] == NOT_ADMIN
    removed = await reply_to(server, USER, "/remove telegram/r.pdf", user_id=USER)
    assert "only the bot's admins can remove" in removed.params["text"]
    assert server.calls("getFile") == []
    assert _snapshot(index_settings) == snapshot


async def test_files_over_the_limits_are_refused_before_and_after_download(
    server: BotApiServer, index_settings: IndexSettings
) -> None:
    application = await start_bot(server, index_settings, max_upload_mb=0.001)
    try:
        stated = server.document_message(ADMIN, b"x", "huge.pdf", stated_size=30_000_000)
        refused = await reply_to_update(server, stated)
        assert "huge.pdf is 30.0 MB: over the 0.001 MB I can take" in refused.params["text"]
        assert server.calls("getFile") == []
        unstated = server.document_message(ADMIN, b"y" * 5000, "big.txt", stated_size=None)
        del unstated["message"]["document"]["file_size"]
        refused = await reply_to_update(server, unstated)
        assert "big.txt is 0.0 MB: over the 0.001 MB" in refused.params["text"]
    finally:
        await stop_bot(application)


async def test_telegram_s_own_download_limit_gets_the_same_reply(
    server: BotApiServer, index_settings: IndexSettings
) -> None:
    """A local Bot API server would take more; Telegram's answers getFile with "too big"."""
    application = await start_bot(server, index_settings, max_upload_mb=100)
    try:
        update = server.document_message(ADMIN, b"z" * (21 * 1024 * 1024), "big.pdf")
        del update["message"]["document"]["file_size"]  # unstated: only getFile can tell
        refused = await reply_to_update(server, update)
        assert refused.params["text"].startswith("Not added: big.pdf is over the 20 MB I can take")
        assert [c.status for c in server.calls("getFile")] == [400]
    finally:
        await stop_bot(application)


async def test_a_group_adds_only_documents_captioned_add(
    server: BotApiServer, bot: Any, index_settings: IndexSettings
) -> None:
    data = pdf_bytes(REPORT_PAGES)
    server.push_update(
        server.document_message(GROUP, data, "r.pdf", chat_type="supergroup", user_id=ADMIN)
    )
    captioned = server.document_message(
        GROUP, data, "r.pdf", caption="/add", chat_type="supergroup", user_id=ADMIN
    )
    _, added = await _send(server, captioned, replies=2)
    assert "Added the article of the PDF as telegram/r.pdf" in added.text
    assert len(server.calls("getFile")) == 1  # the uncaptioned one was left alone


async def test_remove_takes_out_an_added_file_and_refuses_others(
    server: BotApiServer, bot: Any, index_settings: IndexSettings
) -> None:
    _, _, before = _snapshot(index_settings)
    await _send(server, server.document_message(ADMIN, pdf_bytes(REPORT_PAGES), "r.pdf"), 2)
    listing = await reply_to(server, ADMIN, "/remove", user_id=ADMIN)
    assert "<code>telegram/r.pdf</code>" in listing.params["text"]
    seed = before[0][0]
    refused = await reply_to(server, ADMIN, f"/remove {seed}", user_id=ADMIN)
    assert "was not added in Telegram" in refused.params["text"]
    missing = await reply_to(server, ADMIN, "/remove telegram/nope.pdf", user_id=ADMIN)
    assert "no article telegram/nope.pdf" in missing.params["text"]
    done = await reply_to(server, ADMIN, "/remove telegram/r.pdf", user_id=ADMIN)
    assert done.params["text"].startswith("Removed <code>telegram/r.pdf</code>")
    files, _, after = _snapshot(index_settings)
    assert after == before and "telegram/.removed/r.pdf" in files
