"""The real python-telegram-bot Application, built as `briefing-bot` builds it, against the
Bot API stand-in on 127.0.0.1. Assertions are on what the bot sends."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Any

import pytest

from bot.app import COMMANDS
from bot.delivery import RETRY_DELAYS
from bot.redaction import install_redaction
from index.config import IndexSettings
from index.retrieval.question import MAX_QUESTION
from tests.support.documents import image_only_pdf_bytes
from tests.support.harness import (
    ADMIN,
    GROUP,
    STRANGER,
    TOKEN,
    USER,
    reply_to,
    reply_to_update,
    start_bot,
    stop_bot,
    wait_for,
)


@pytest.mark.asyncio
async def test_start_registers_commands_and_offers_examples(server: Any, bot: Any) -> None:
    commands = server.calls("setMyCommands")[0].params["commands"]
    assert [c["command"] for c in commands] == [c.command for c in COMMANDS]
    call = await reply_to(server, USER, "/start", user_id=USER)
    assert call.params["parse_mode"] == "HTML"
    assert "What did Lavrov say?" in call.params["text"]
    assert "What did Zakharova say?" in call.params["text"]


@pytest.mark.asyncio
async def test_start_asks_its_examples_in_the_users_language(server: Any, bot: Any) -> None:
    """The people quoted in the French and the English article alike, asked of in French for
    a French app, in English for a language the bot does not speak."""
    french = await reply_to(server, 2001, "/start", user_id=2001, language_code="fr-FR")
    assert "Qu’a dit Lavrov ?" in french.params["text"]
    assert "Qu’a dit Zakharova ?" in french.params["text"]
    other = await reply_to(server, 2002, "/start", user_id=2002, language_code="sw")
    assert "What did Lavrov say?" in other.params["text"]


@pytest.mark.asyncio
async def test_question_answered_with_citations_and_buttons(server: Any, bot: Any) -> None:
    call = await reply_to(server, USER, "What did Zakharova say?", user_id=USER)
    assert server.calls("sendChatAction")[-1].params["action"] == "typing"
    text = call.params["text"]
    assert "Zakharova said" in text and "[1]" in text and "<b>Sources</b>" in text
    assert call.params["link_preview_options"]["is_disabled"] is True
    buttons = [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[0]["text"] == "[1]"
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)


@pytest.mark.asyncio
async def test_citation_button_shows_the_passage_and_more_pages(server: Any, bot: Any) -> None:
    await reply_to(server, USER, "What did Zakharova say?", user_id=USER)
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
    await reply_to(server, USER, "What did Lavrov say?", user_id=USER)
    message = server.sent_messages(USER)[-1]
    server.push_callback_query(USER, message.message_id, "p:1:deadbeef", user_id=USER)
    server.push_callback_query(USER, message.message_id, "nonsense", user_id=USER)
    answers = await wait_for(server, "answerCallbackQuery", count=2)
    notices = " ".join(a.params.get("text", "") for a in answers)
    assert "ask again" in notices and "don't know that button" in notices


@pytest.mark.asyncio
async def test_sources_and_about(server: Any, bot: Any) -> None:
    sources = await reply_to(server, USER, "/sources", user_id=USER)
    assert "Articles in the briefing</b> (2)" in sources.params["text"]
    assert "Moscow has invited Berlin" in sources.params["text"]
    about = await reply_to(server, USER, "/about", user_id=USER)
    assert (
        "<b>Articles</b> 2" in about.params["text"] and "fake-hashing-256" in about.params["text"]
    )


@pytest.mark.asyncio
async def test_reindex_is_for_admins_only(
    server: Any, bot: Any, index_settings: IndexSettings
) -> None:
    refused = await reply_to(server, USER, "/reindex", user_id=USER)
    assert "only the bot's admins" in refused.params["text"]
    (index_settings.seeds_dir / "new.txt").write_text(
        "Breaking news\n\nThe Kremlin said talks on NotPetya would resume.\n", encoding="utf-8"
    )
    (index_settings.seeds_dir / "scan.pdf").write_bytes(image_only_pdf_bytes())
    before = len(server.calls("sendMessage"))
    server.push_message(ADMIN, "/reindex", user_id=ADMIN)
    replies = await wait_for(server, "sendMessage", count=before + 2, timeout=30)
    assert "Rebuilding" in replies[-2].params["text"]
    done = replies[-1].params["text"]
    assert "Done: 3 articles" in done and ", 1 file skipped" in done
    assert "\n\nSkipped:\n• scan.pdf: no text in its 1 page: a scan or images only" in done
    sources = await reply_to(server, USER, "/sources", user_id=USER)
    assert "(3)" in sources.params["text"]


@pytest.mark.asyncio
async def test_group_answers_mentions_and_replies_only(server: Any, bot: Any) -> None:
    server.push_message(GROUP, "What did Lavrov say?", user_id=USER, chat_type="supergroup")
    mention = await reply_to(
        server,
        GROUP,
        f"@{server.username} What did Lavrov say?",
        user_id=USER,
        chat_type="supergroup",
    )
    assert "Lavrov" in mention.params["text"]
    asked = await reply_to(
        server, GROUP, "/ask What did Zakharova say?", user_id=USER, chat_type="supergroup"
    )
    assert "Zakharova" in asked.params["text"]
    assert len(server.sent_messages(GROUP)) == 2  # the plain question got no answer


@pytest.mark.asyncio
async def test_bad_input_gets_a_reply_or_silence(server: Any, bot: Any) -> None:
    long = await reply_to(server, USER, "x " * MAX_QUESTION, user_id=USER)
    assert "long question" in long.params["text"]
    sticker = await reply_to_update(server, server.sticker_message(USER, user_id=USER))
    assert "only read questions written as text" in sticker.params["text"]
    empty = await reply_to(server, USER, "/ask", user_id=USER)
    assert "followed by your question" in empty.params["text"]
    for update in (
        server.photo_message(USER, caption="What is this?", user_id=USER),
        server.voice_message(USER, user_id=USER),
    ):
        hint = await reply_to_update(server, update)
        assert "only read questions written as text" in hint.params["text"]
    mention_only = await reply_to(
        server, GROUP, f"@{server.username}", user_id=USER, chat_type="supergroup"
    )
    assert "Please send a question in words" in mention_only.params["text"]
    sent = len(server.calls("sendMessage"))
    server.push_update(server.sticker_message(GROUP, user_id=USER, chat_type="supergroup"))
    server.push_edited_message(USER, "What did Lavrov say?", user_id=USER)
    marker = await reply_to(server, USER, "/about", user_id=USER)
    assert "Articles" in marker.params["text"]
    assert len(server.calls("sendMessage")) == sent + 1  # sticker in a group, edit: silence


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
    application = await start_bot(server, index_settings, allowed_user_ids=frozenset({USER}))
    try:
        refused = await reply_to(server, STRANGER, "What did Lavrov say?", user_id=STRANGER)
        assert "private" in refused.params["text"]
        answered = await reply_to(server, USER, "What did Lavrov say?", user_id=USER)
        assert "Lavrov" in answered.params["text"]
    finally:
        await stop_bot(application)


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
        application = await start_bot(server, index_settings)
        try:
            server.fail_next("sendMessage", 500)
            server.push_message(USER, "What did Lavrov say?", user_id=USER)
            await wait_for(server, "sendMessage", count=2, timeout=15)
        finally:
            await stop_bot(application)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
    logged = buffer.getvalue()
    assert "<token>" in logged, "PTB logs request URLs at DEBUG: the filter must have redacted some"
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged


@pytest.mark.asyncio
async def test_an_error_is_logged_and_the_user_told_without_details(
    server: Any, bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    attempts = len(RETRY_DELAYS) + 1  # a 5xx is sent again (bot.delivery): fail every attempt
    server.fail_next("sendMessage", 500, count=attempts, description="Internal Server Error: boom")
    server.push_message(USER, "What did Lavrov say?", user_id=USER)
    calls = await wait_for(server, "sendMessage", count=attempts + 1, timeout=15)
    assert [call.status for call in calls[:attempts]] == [500] * attempts
    assert calls[attempts].params["text"] == "Sorry, something went wrong. Please try again."
    assert any(record.levelno == logging.ERROR for record in caplog.records)
