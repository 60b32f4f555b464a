"""ALLOWED_USER_IDS / ALLOWED_CHAT_IDS and the admin list, for every kind of update the bot
can get: messages, commands, edits, button presses and inline queries. (test_app.py shows a
stranger's question refused and a member's answered.)

The bot does not do inline mode: its answers page through passages remembered per chat and
cite them with buttons, and an inline result would carry the briefing into chats that no
allowlist covers. So no inline query is answered, a member's no more than a stranger's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from index.config import IndexSettings
from tests.support.botapi import BotApiServer, Call
from tests.support.harness import ADMIN, GROUP, STRANGER, USER, reply_to, start_bot, stop_bot
from tests.support.settle import settle

PRIVATE = "Sorry, this bot is private."
OTHER_GROUP = -100999888
_OUTPUT = ("sendMessage", "editMessageText", "answerCallbackQuery", "answerInlineQuery")


async def _outcome(server: BotApiServer, bot: Any, push: Callable[[], int]) -> list[Call]:
    """What the bot sent in answer to one pushed update, once it is done with it."""
    before = len(server.calls())
    await settle(server, bot, push())
    return [call for call in server.calls()[before:] if call.method in _OUTPUT]


def _said(calls: list[Call]) -> list[tuple[str, str | None]]:
    return [(call.method, call.params.get("text")) for call in calls]


def _citation(call: Call) -> str:
    return str(call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"])


def _quiet(caplog: pytest.LogCaptureFixture) -> None:
    loud = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not loud


@pytest.mark.asyncio
async def test_the_user_list_holds_for_every_kind_of_update(
    server: BotApiServer, index_settings: IndexSettings, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot(server, index_settings, allowed_user_ids=frozenset({USER}))
    try:
        for command in ("/start", "/sources", "/about", "/ask What did Lavrov say?"):
            refused = await _outcome(
                server, bot, lambda c=command: server.push_message(STRANGER, c, user_id=STRANGER)
            )
            assert _said(refused) == [("sendMessage", PRIVATE)], command
        edit = await _outcome(
            server,
            bot,
            lambda: server.push_edited_message(STRANGER, "What did Lavrov say?", user_id=STRANGER),
        )
        assert edit == []
        group = {"chat_type": "supergroup"}
        mention = f"@{server.username} What did Lavrov say?"
        for text in (mention, "/ask What did Lavrov say?", "/start"):
            silence = await _outcome(
                server,
                bot,
                lambda t=text: server.push_message(OTHER_GROUP, t, user_id=STRANGER, **group),
            )
            assert silence == [], text
        # A member asks in that group; another member of it, a stranger to the bot, taps [1].
        answer = await reply_to(server, OTHER_GROUP, mention, user_id=USER, **group)
        message = server.sent_messages(OTHER_GROUP)[-1].message_id
        tap = await _outcome(
            server,
            bot,
            lambda: server.push_callback_query(
                OTHER_GROUP, message, _citation(answer), user_id=STRANGER
            ),
        )
        assert _said(tap) == [("answerCallbackQuery", PRIVATE)]
        tap = await _outcome(
            server,
            bot,
            lambda: server.push_callback_query(
                OTHER_GROUP, message, _citation(answer), user_id=USER
            ),
        )
        assert [call.method for call in tap] == ["answerCallbackQuery", "sendMessage"]
        admin = await reply_to(server, ADMIN, "What did Zakharova say?", user_id=ADMIN)
        assert "Zakharova" in admin.params["text"]  # admins are always in
    finally:
        await stop_bot(bot)
    _quiet(caplog)


@pytest.mark.asyncio
async def test_the_chat_list_lets_everyone_in_that_chat_and_no_one_elsewhere(
    server: BotApiServer, index_settings: IndexSettings, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot(server, index_settings, allowed_chat_ids=frozenset({GROUP}))
    try:
        group = {"chat_type": "supergroup"}
        answer = await reply_to(
            server, GROUP, f"@{server.username} What did Lavrov say?", user_id=STRANGER, **group
        )
        assert "Lavrov" in answer.params["text"]
        sources = await reply_to(server, GROUP, "/sources", user_id=STRANGER, **group)
        assert "Articles in the briefing" in sources.params["text"]
        message = server.sent_messages(GROUP)[0].message_id
        tap = await _outcome(
            server,
            bot,
            lambda: server.push_callback_query(GROUP, message, _citation(answer), user_id=STRANGER),
        )
        assert [call.method for call in tap] == ["answerCallbackQuery", "sendMessage"]
        # The same person outside the listed chat: privately refused, elsewhere unheard.
        alone = await _outcome(
            server, bot, lambda: server.push_message(STRANGER, "/start", user_id=STRANGER)
        )
        assert _said(alone) == [("sendMessage", PRIVATE)]
        elsewhere = await _outcome(
            server,
            bot,
            lambda: server.push_message(OTHER_GROUP, "/start", user_id=STRANGER, **group),
        )
        assert elsewhere == []
    finally:
        await stop_bot(bot)
    _quiet(caplog)


@pytest.mark.asyncio
async def test_inline_queries_get_no_answer_from_members_or_strangers(
    server: BotApiServer, index_settings: IndexSettings, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot(server, index_settings, allowed_user_ids=frozenset({USER}))
    try:
        for user, chat_type in ((STRANGER, "sender"), (USER, "private"), (ADMIN, None)):
            asked = await _outcome(
                server,
                bot,
                lambda u=user, t=chat_type: server.push_inline_query(
                    u, "What did Lavrov say?", chat_type=t
                ),
            )
            assert asked == [], user
        # Nothing was lost on the way: the bot still answers its member.
        answer = await reply_to(server, USER, "What did Lavrov say?", user_id=USER)
        assert "Lavrov" in answer.params["text"]
    finally:
        await stop_bot(bot)
    _quiet(caplog)


@pytest.mark.asyncio
async def test_reindex_checks_the_sender_every_time(
    server: BotApiServer, index_settings: IndexSettings, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot(server, index_settings, allowed_chat_ids=frozenset({GROUP}))
    group = {"chat_type": "supergroup"}
    try:
        for sender, command, expected in (
            (ADMIN, "/reindex", ["Rebuilding", "Done: 2 articles"]),
            (USER, "/reindex", ["only the bot's admins"]),
            (STRANGER, "/reindex ../../etc", ["only the bot's admins"]),
            (ADMIN, "/reindex ../../etc", ["Rebuilding", "Done: 2 articles"]),  # seeds, not /etc
            (USER, f"/reindex@{server.username}", ["only the bot's admins"]),
        ):
            replies = await _outcome(
                server,
                bot,
                lambda s=sender, c=command: server.push_message(GROUP, c, user_id=s, **group),
            )
            texts = [str(call.params["text"]) for call in replies]
            assert len(texts) == len(expected), (sender, texts)
            assert all(want in text for want, text in zip(expected, texts, strict=True))
        edited = await _outcome(
            server,
            bot,
            lambda: server.push_edited_message(GROUP, "/reindex", user_id=USER, **group),
        )
        assert edited == []  # an edited message is no new command (see the test below)
    finally:
        await stop_bot(bot)
    _quiet(caplog)


@pytest.mark.asyncio
async def test_an_edited_command_is_not_run_again(
    server: BotApiServer, index_settings: IndexSettings
) -> None:
    """An admin fixing a typo in a message to read /reindex must not start a rebuild."""
    bot = await start_bot(server, index_settings)
    try:
        built = (index_settings.index_dir / "manifest.json").stat().st_mtime_ns
        sent = await _outcome(
            server, bot, lambda: server.push_edited_message(ADMIN, "/reindex", user_id=ADMIN)
        )
        assert sent == []
        assert (index_settings.index_dir / "manifest.json").stat().st_mtime_ns == built
        asked = await _outcome(
            server, bot, lambda: server.push_message(ADMIN, "/about", user_id=ADMIN)
        )
        assert "Articles" in str(asked[-1].params["text"])  # the same command, sent, is answered
    finally:
        await stop_bot(bot)
