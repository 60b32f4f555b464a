"""The Bot API stand-in, driven by the real python-telegram-bot to show it answers like Telegram."""

from __future__ import annotations

import asyncio
import datetime as dtm
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from tests.support.botapi import MAX_TEXT, BotApiServer, Call, _decode_params

CHAT = 42


@pytest.fixture
def api() -> Iterator[BotApiServer]:
    with BotApiServer() as server:
        server.add_chat(CHAT)
        yield server


@pytest_asyncio.fixture
async def bot(api: BotApiServer) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as real:
        yield real


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(d[:10] or "-", callback_data=d)] for d in data]
    )


@pytest.mark.asyncio
async def test_get_me_gives_the_username(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.username, me.is_bot, me.can_join_groups) == ("briefing_test_bot", True, True)
    assert me.can_read_all_group_messages is False and me.supports_inline_queries is False
    assert bot.username == "briefing_test_bot" and me.id == bot.id


@pytest.mark.asyncio
async def test_html_becomes_plain_text_with_utf16_entities(bot: Bot, api: BotApiServer) -> None:
    html = '😀 <b>bold</b> &amp; <a href="https://example.org/">link</a> AT&T'
    first = await bot.send_message(CHAT, html, parse_mode="HTML")
    assert first.text == "😀 bold & link AT&T"  # a lone "&" is text for TDLib, not an error
    bold, link = first.entities
    assert (bold.type, bold.offset, bold.length) == ("bold", 3, 4)  # the emoji is 2 units
    assert first.parse_entity(bold) == "bold" and link.url == "https://example.org/"
    assert first.from_user is not None and first.from_user.username == "briefing_test_bot"
    second = await bot.send_message(CHAT, "  plain\n")
    assert second.message_id == first.message_id + 1 and second.text == "plain"  # trimmed
    [sent, _] = api.sent_messages(CHAT)
    assert (sent.source, sent.parse_mode, sent.text, sent.edits) == (html, "HTML", first.text, 0)


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("é <span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 3'),
        ("x <b", "Unclosed start tag at byte offset 2"),
    ],
)
@pytest.mark.asyncio
async def test_bad_html_is_refused(bot: Bot, api: BotApiServer, html: str, error: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)" + re.escape("can't parse entities: " + error)):
        await bot.send_message(CHAT, html, parse_mode="HTML")
    assert api.sent_messages() == [] and api.calls("sendMessage")[0].status == 400


@pytest.mark.asyncio
async def test_text_limits(bot: Bot) -> None:
    await bot.send_message(CHAT, "x" * MAX_TEXT)
    await bot.send_message(CHAT, f"<b>{'x' * MAX_TEXT}</b>  \n", parse_mode="HTML")  # after parsing
    await bot.send_message(CHAT, "😀" * MAX_TEXT)  # TDLib counts code points, not UTF-16 units
    for too_long in ("x" * (MAX_TEXT + 1), "😀" * (MAX_TEXT + 1)):
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(CHAT, too_long)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(CHAT, "")
    for blank in (" \n ", "<b> </b>"):
        with pytest.raises(BadRequest, match=r"(?i)message must be non-empty"):
            await bot.send_message(CHAT, blank, parse_mode="HTML")


@pytest.mark.asyncio
async def test_callback_data_is_limited_to_64_bytes(bot: Bot) -> None:
    await bot.send_message(CHAT, "ok", reply_markup=keyboard("a" * 64, "é" * 32))
    for data in ("a" * 65, "é" * 33):  # 33 characters, 66 bytes
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(CHAT, "no", reply_markup=keyboard(data))


@pytest.mark.asyncio
async def test_edits(bot: Bot, api: BotApiServer) -> None:
    sent = await bot.send_message(CHAT, "one", reply_markup=keyboard("a"))
    edited = await bot.edit_message_text("two", CHAT, sent.message_id, reply_markup=keyboard("a"))
    assert isinstance(edited, type(sent)) and edited.text == "two" and edited.edit_date
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("two", CHAT, sent.message_id, reply_markup=keyboard("a"))
    await bot.edit_message_text("two", CHAT, sent.message_id)  # dropping the keyboard is a change
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("three", CHAT, 999)
    [state] = api.sent_messages()
    assert (state.text, state.edits, state.reply_markup) == ("two", 2, None)


@pytest.mark.asyncio
async def test_429_raises_retry_after(
    bot: Bot, api: BotApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    api.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "hi")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    await bot.send_message(CHAT, "hi")  # the fault was consumed
    assert [c.status for c in api.calls("sendMessage")] == [429, 200]


@pytest.mark.asyncio
async def test_server_errors_drops_and_delays(bot: Bot, api: BotApiServer) -> None:
    api.fail_next("getMe", 500)
    api.fail_next("getMe", 403)  # faults are consumed in order
    with pytest.raises(NetworkError) as caught:
        await bot.get_me()
    assert not isinstance(caught.value, BadRequest)  # BadRequest subclasses NetworkError
    with pytest.raises(Forbidden):
        await bot.get_me()
    api.drop_next("getMe")
    with pytest.raises(NetworkError, match=r"(?i)disconnected"):
        await bot.get_me()
    api.fail_next("getMe", None, delay=0.3)
    started = time.monotonic()
    assert (await bot.get_me()).username == "briefing_test_bot"
    assert time.monotonic() - started >= 0.3


@pytest.mark.asyncio
async def test_wrong_token_and_unknown_method(api: BotApiServer, bot: Bot) -> None:
    with pytest.raises(InvalidToken, match="rejected by the server"):
        async with Bot("123:wrong", base_url=api.base_url):
            pass
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("frobnicate")


@pytest.mark.asyncio
async def test_unknown_and_blocked_chats(bot: Bot, api: BotApiServer) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(777, "hi")
    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
        await bot.send_chat_action(CHAT, "dancing")
    api.block_chat(CHAT)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(CHAT, "hi")


@pytest.mark.asyncio
async def test_offsets_confirm_updates(bot: Bot, api: BotApiServer) -> None:
    one, two = api.push_message(CHAT, "one"), api.push_message(CHAT, "two")
    assert [u.update_id for u in await bot.get_updates()] == [one, two]
    assert [u.update_id for u in await bot.get_updates()] == [one, two]  # not yet confirmed
    assert await bot.get_updates(offset=two + 1) == ()
    three = api.push_message(CHAT, "three")
    assert [u.update_id for u in await bot.get_updates(offset=one)] == [three]  # gone for good
    four = api.push_message(CHAT, "four")
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == [four]
    assert [u["update_id"] for u in api.pending_updates()] == [four]


@pytest.mark.asyncio
async def test_pushed_messages_look_like_telegrams(bot: Bot, api: BotApiServer) -> None:
    api.push_message(
        -1001, "/ask@briefing_test_bot why? @briefing_test_bot", chat_type="supergroup"
    )
    api.push_update(api.sticker_message(CHAT))
    api.push_update(api.voice_message(CHAT, data=b"OggS-voice"))
    group, sticker, voice = (u.message for u in await bot.get_updates())
    assert group is not None and group.chat.type == "supergroup" and group.from_user is not None
    assert [(e.type, e.offset, e.length) for e in group.entities] == [
        ("bot_command", 0, 22),
        ("mention", 28, 18),
    ]
    assert sticker is not None and sticker.sticker is not None and sticker.sticker.emoji == "👍"
    assert voice is not None and voice.voice is not None
    file = await bot.get_file(voice.voice.file_id)
    assert await file.download_as_bytearray() == b"OggS-voice"


@pytest.mark.asyncio
async def test_user_edits_and_replies(bot: Bot, api: BotApiServer) -> None:
    original = api.text_message(CHAT, "typo")  # a builder: stored, delivered once pushed
    api.push_update(original)
    typo = original["message"]["message_id"]
    api.push_edited_message(CHAT, "fixed", message_id=typo)
    api.push_message(CHAT, "see above", reply_to_message_id=typo)
    first, edit, reply = await bot.get_updates()
    assert first.message is not None and first.message.text == "typo"  # updates are snapshots
    assert edit.edited_message is not None and edit.edited_message.text == "fixed"
    assert edit.edited_message.message_id == typo and edit.edited_message.edit_date
    assert reply.message is not None and reply.message.reply_to_message is not None
    assert reply.message.reply_to_message.message_id == typo
    answer = await bot.send_message(CHAT, "noted", reply_to_message_id=typo)
    assert answer.reply_to_message is not None and answer.reply_to_message.text == "fixed"
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(CHAT, "noted", reply_to_message_id=999)


def test_multipart_bodies_decode_like_forms() -> None:
    files = {"photo": ("p.jpg", b"\xff\xd8")}
    request = httpx.Request(
        "POST", "http://x/", data={"chat_id": "42", "caption": "7"}, files=files
    )
    params = _decode_params("", request.headers["content-type"], request.read())
    assert params == {"chat_id": 42, "caption": "7", "photo": b"\xff\xd8"}  # captions stay text


@pytest.mark.asyncio
async def test_long_poll_answers_when_an_update_arrives(bot: Bot, api: BotApiServer) -> None:
    # A poll that only ended at its timeout would take 60 s and be cut at 30: no timing needed.
    threading.Timer(0.3, api.push_message, (CHAT, "late")).start()
    [update] = await asyncio.wait_for(bot.get_updates(timeout=60, read_timeout=90), timeout=30)
    assert update.message is not None and update.message.text == "late"


@pytest.mark.asyncio
async def test_a_second_poller_terminates_the_first(bot: Bot, api: BotApiServer) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await api.wait_for_async("getUpdates", answered=False)
    async with Bot(api.token, base_url=api.base_url) as other:
        assert await other.get_updates() == ()
    with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates request"):
        await first


@pytest.mark.asyncio
async def test_webhook_and_commands(bot: Bot, api: BotApiServer) -> None:
    with pytest.raises(BadRequest, match=r"(?i)HTTPS URL must be provided"):
        await bot.set_webhook("http://example.org/hook")
    await bot.set_webhook("https://example.org/hook", secret_token="s3cret")
    assert (api.webhook["url"], api.webhook["secret_token"]) == (
        "https://example.org/hook",
        "s3cret",
    )
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()
    await bot.set_my_commands([("ask", "Ask the briefing"), ("help", "How to ask")])
    assert [c.command for c in await bot.get_my_commands()] == ["ask", "help"]
    assert await bot.get_my_commands(language_code="de") == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Ask", "capitals are not allowed")])
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


@pytest.mark.asyncio
async def test_callback_query_round_trip(bot: Bot, api: BotApiServer) -> None:
    sent = await bot.send_message(CHAT, "Sure?", reply_markup=keyboard("yes", "no"))
    with pytest.raises(ValueError, match=r"(?i)not on the message's keyboard"):
        api.push_callback_query(CHAT, sent.message_id, "maybe", check_keyboard=True)
    api.push_callback_query(CHAT, sent.message_id, "yes")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert query is not None and query.data == "yes" and query.message is not None
    assert query.message.message_id == sent.message_id and query.from_user.id == CHAT
    assert await query.answer("done")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer()


@pytest.mark.asyncio
async def test_polling_application_echoes_a_message_once(api: BotApiServer) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text is not None
        await update.effective_message.reply_text(update.effective_message.text)

    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("asked")

    app = Application.builder().token(api.token).base_url(api.base_url).build()
    app.add_handler(CommandHandler("ask", ask))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    api.push_message(CHAT, "hello")
    api.push_message(-100, "/ask@someone_else_bot", chat_type="group", user_id=7)
    last = api.push_message(-100, "/ask@briefing_test_bot", chat_type="group", user_id=7)
    await api.wait_for_async("sendMessage", count=2)
    answered = len([c for c in api.calls("getUpdates") if c.status])  # one more: room for a
    # duplicate delivery to show up
    await api.wait_for_async("getUpdates", count=answered + 1)
    await app.updater.stop()
    await app.stop()
    await app.shutdown()

    assert [(m.chat_id, m.text) for m in api.sent_messages()] == [(CHAT, "hello"), (-100, "asked")]
    assert [c.method for c in api.calls()[:3]] == ["getMe", "deleteWebhook", "getUpdates"]
    final = api.calls("getUpdates")[-1]
    assert final.params["timeout"] == 0 and final.params["offset"] == last + 1
    assert api.pending_updates() == []


@pytest.mark.asyncio
async def test_stop_releases_long_polls() -> None:
    api = BotApiServer()
    async with Bot(api.token, base_url=api.base_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await api.wait_for_async(lambda c: c.method == "getUpdates", answered=False)
        await asyncio.to_thread(api.stop)
        assert await asyncio.wait_for(poll, timeout=15) == ()  # well before the poll's 30 s
    call: Call = api.calls("getUpdates")[0]
    assert call.status == 200
