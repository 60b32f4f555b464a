"""The real python-telegram-bot Application, built as `briefing-bot` builds it, against the
Bot API stand-in on 127.0.0.1. Assertions are on what the bot sends."""

from __future__ import annotations

import asyncio
import io
import logging
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.app import COMMANDS, MAX_QUESTION, build_application
from bot.config import BotSettings
from bot.redaction import install_redaction
from bot.service import BriefingService
from index.build import build_index
from index.config import IndexSettings
from tests.bot.botapi import BotApiServer
from tests.conftest import SEEDS
from tests.fakes import FakeEmbedder

TOKEN = "123456789:AAEabcdefghijklmnopqrstuvwxyz012345"
ADMIN, USER, STRANGER = 1001, 1002, 1003
GROUP = -100200300


@pytest.fixture
def index_settings(tmp_path: Path) -> IndexSettings:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    settings = IndexSettings(seeds, tmp_path / "index", "fake-hashing-256")
    build_index(settings.seeds_dir, settings.index_dir, FakeEmbedder())
    return settings


@pytest.fixture
def server() -> Any:
    with BotApiServer(token=TOKEN) as api:
        yield api


async def _running(server: Any, index_settings: IndexSettings, **overrides: Any) -> Any:
    settings = BotSettings(
        token=TOKEN,
        api_base_url=server.base_url,
        admin_user_ids=frozenset({ADMIN}),
        index=index_settings,
        **overrides,
    )
    application = build_application(settings, BriefingService(index_settings, FakeEmbedder()))
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    return application


async def _stop(application: Any) -> None:
    await application.updater.stop()
    await application.stop()
    await application.shutdown()


@pytest_asyncio.fixture
async def bot(server: Any, index_settings: IndexSettings) -> AsyncIterator[Any]:
    application = await _running(server, index_settings)
    yield application
    await _stop(application)


async def wait_for(server: Any, method: str, count: int = 1, timeout: float = 10.0) -> list[Any]:
    """The calls of ``method`` once there are ``count``; polls without blocking the bot's loop."""
    deadline = asyncio.get_running_loop().time() + timeout
    while len(calls := server.calls(method)) < count:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{len(calls)} {method} calls after {timeout} s, wanted {count}")
        await asyncio.sleep(0.02)
    return list(calls)


async def _reply_to(server: Any, chat_id: int, text: str, **kwargs: Any) -> Any:
    before = len(server.calls("sendMessage"))
    server.push_message(chat_id, text, **kwargs)
    return (await wait_for(server, "sendMessage", count=before + 1))[-1]


@pytest.mark.asyncio
async def test_start_registers_commands_and_offers_examples(server: Any, bot: Any) -> None:
    commands = server.calls("setMyCommands")[0].params["commands"]
    assert [c["command"] for c in commands] == [c.command for c in COMMANDS]
    call = await _reply_to(server, USER, "/start", user_id=USER)
    assert call.params["parse_mode"] == "HTML"
    assert "What did Lavrov say?" in call.params["text"]
    assert "What did Zakharova say?" in call.params["text"]


@pytest.mark.asyncio
async def test_question_answered_with_citations_and_buttons(server: Any, bot: Any) -> None:
    call = await _reply_to(server, USER, "What did Zakharova say?", user_id=USER)
    assert server.calls("sendChatAction")[-1].params["action"] == "typing"
    text = call.params["text"]
    assert "Zakharova said" in text and "[1]" in text and "<b>Sources</b>" in text
    assert call.params["link_preview_options"]["is_disabled"] is True
    buttons = [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[0]["text"] == "[1]"
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)


@pytest.mark.asyncio
async def test_citation_button_shows_the_passage_and_more_pages(server: Any, bot: Any) -> None:
    await _reply_to(server, USER, "What did Zakharova say?", user_id=USER)
    message = server.sent_messages(USER)[-1]
    buttons = [b for row in message.reply_markup["inline_keyboard"] for b in row]
    sent_before = len(server.calls("sendMessage"))
    server.push_callback_query(USER, message.message_id, buttons[0]["callback_data"], user_id=USER)
    shown = (await wait_for(server, "sendMessage", count=sent_before + 1))[-1]
    assert "Moscow has invited Berlin to consult on cyber security" in shown.params["text"]
    assert "Maria Zakharova said" in shown.params["text"]
    more = next(b for b in buttons if b["text"] == "More")
    server.push_callback_query(USER, message.message_id, more["callback_data"], user_id=USER)
    edit = (await wait_for(server, "editMessageText"))[-1]
    assert "Page 1 of" in edit.params["text"]
    assert len(server.calls("answerCallbackQuery")) >= 2


@pytest.mark.asyncio
async def test_unknown_and_stale_buttons_get_a_polite_notice(server: Any, bot: Any) -> None:
    await _reply_to(server, USER, "What did Lavrov say?", user_id=USER)
    message = server.sent_messages(USER)[-1]
    server.push_callback_query(USER, message.message_id, "p:1:deadbeef", user_id=USER)
    server.push_callback_query(USER, message.message_id, "nonsense", user_id=USER)
    answers = await wait_for(server, "answerCallbackQuery", count=2)
    notices = " ".join(a.params.get("text", "") for a in answers)
    assert "ask again" in notices and "don't know that button" in notices


@pytest.mark.asyncio
async def test_sources_and_about(server: Any, bot: Any) -> None:
    sources = await _reply_to(server, USER, "/sources", user_id=USER)
    assert "Articles in the briefing</b> (2)" in sources.params["text"]
    assert "Moscow has invited Berlin" in sources.params["text"]
    about = await _reply_to(server, USER, "/about", user_id=USER)
    assert (
        "<b>Articles</b> 2" in about.params["text"] and "fake-hashing-256" in about.params["text"]
    )


@pytest.mark.asyncio
async def test_reindex_is_for_admins_only(
    server: Any, bot: Any, index_settings: IndexSettings
) -> None:
    refused = await _reply_to(server, USER, "/reindex", user_id=USER)
    assert "only the bot's admins" in refused.params["text"]
    (index_settings.seeds_dir / "new.txt").write_text(
        "Breaking news\n\nThe Kremlin said talks on NotPetya would resume.\n", encoding="utf-8"
    )
    before = len(server.calls("sendMessage"))
    server.push_message(ADMIN, "/reindex", user_id=ADMIN)
    replies = await wait_for(server, "sendMessage", count=before + 2, timeout=30)
    assert "Rebuilding" in replies[-2].params["text"]
    assert "Done: 3 articles" in replies[-1].params["text"]
    sources = await _reply_to(server, USER, "/sources", user_id=USER)
    assert "(3)" in sources.params["text"]


@pytest.mark.asyncio
async def test_group_answers_mentions_and_replies_only(server: Any, bot: Any) -> None:
    server.push_message(GROUP, "What did Lavrov say?", user_id=USER, chat_type="supergroup")
    mention = await _reply_to(
        server,
        GROUP,
        f"@{server.username} What did Lavrov say?",
        user_id=USER,
        chat_type="supergroup",
    )
    assert "Lavrov" in mention.params["text"]
    asked = await _reply_to(
        server, GROUP, "/ask What did Zakharova say?", user_id=USER, chat_type="supergroup"
    )
    assert "Zakharova" in asked.params["text"]
    assert len(server.sent_messages(GROUP)) == 2  # the plain question got no answer


@pytest.mark.asyncio
async def test_bad_input_gets_a_reply_or_silence(server: Any, bot: Any) -> None:
    long = await _reply_to(server, USER, "x " * MAX_QUESTION, user_id=USER)
    assert "long question" in long.params["text"]
    sticker = await _reply_to_update(server, server.sticker_message(USER, user_id=USER))
    assert "only read questions written as text" in sticker.params["text"]
    empty = await _reply_to(server, USER, "/ask", user_id=USER)
    assert "followed by your question" in empty.params["text"]
    sent = len(server.calls("sendMessage"))
    server.push_update(server.sticker_message(GROUP, user_id=USER, chat_type="supergroup"))
    server.push_edited_message(USER, "What did Lavrov say?", user_id=USER)
    marker = await _reply_to(server, USER, "/about", user_id=USER)
    assert "Articles" in marker.params["text"]
    assert len(server.calls("sendMessage")) == sent + 1  # sticker in a group, edit: silence


async def _reply_to_update(server: Any, update: dict[str, Any]) -> Any:
    before = len(server.calls("sendMessage"))
    server.push_update(update)
    return (await wait_for(server, "sendMessage", count=before + 1))[-1]


@pytest.mark.asyncio
async def test_429_is_waited_out_and_the_answer_arrives_once(server: Any, bot: Any) -> None:
    server.fail_next("sendMessage", 429, retry_after=1)
    server.push_message(USER, "What did Zakharova say?", user_id=USER)
    calls = await wait_for(server, "sendMessage", count=2, timeout=20)
    assert [call.status for call in calls[:2]] == [429, 200]
    await asyncio.sleep(1.5)  # time for a wrong second delivery to show up
    delivered = [m for m in server.sent_messages(USER) if "Zakharova said" in m.text]
    assert len(delivered) == 1


@pytest.mark.asyncio
async def test_access_lists_keep_strangers_out(server: Any, index_settings: IndexSettings) -> None:
    application = await _running(server, index_settings, allowed_user_ids=frozenset({USER}))
    try:
        refused = await _reply_to(server, STRANGER, "What did Lavrov say?", user_id=STRANGER)
        assert "private" in refused.params["text"]
        answered = await _reply_to(server, USER, "What did Lavrov say?", user_id=USER)
        assert "Lavrov" in answered.params["text"]
    finally:
        await _stop(application)


@pytest.mark.asyncio
async def test_token_never_logged(server: Any, index_settings: IndexSettings) -> None:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    root = logging.getLogger()
    root.addHandler(handler)
    previous_level = root.level
    root.setLevel(logging.DEBUG)
    install_redaction()
    try:
        application = await _running(server, index_settings)
        try:
            server.fail_next("sendMessage", 500)
            server.push_message(USER, "What did Lavrov say?", user_id=USER)
            await wait_for(server, "sendMessage", count=2, timeout=15)
        finally:
            await _stop(application)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
    logged = buffer.getvalue()
    assert "<token>" in logged, "PTB logs request URLs at DEBUG: the filter must have redacted some"
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged
