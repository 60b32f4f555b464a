"""Hostile input through the real Application against the stand-in: every case gets a polite
reply or silence, nothing is logged at WARNING or above, and nothing outside the index shows.

One bot serves the whole module (its own event loop and Bot API stand-in); each case writes
from a chat of its own, so the replies of one case cannot be taken for another's.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio

from index.config import IndexSettings
from tests.support.botapi import BotApiServer, Call
from tests.support.harness import TOKEN, USER, reply_to, seed_briefing, start_bot, stop_bot
from tests.support.hostile import EXPIRED, MESSAGES, PRESSES, UNDISCLOSED, Message, Press
from tests.support.settle import settle

pytestmark = pytest.mark.asyncio(loop_scope="module")

_PRIVATE_CHATS = itertools.count(7001)
_GROUP_CHATS = itertools.count(-1007001, -1)
_BOT_OUTPUT = ("sendMessage", "editMessageText", "answerCallbackQuery")


@pytest.fixture(scope="module")
def briefing(tmp_path_factory: pytest.TempPathFactory) -> IndexSettings:
    return seed_briefing(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def api() -> Iterator[BotApiServer]:
    with BotApiServer(token=TOKEN) as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(api: BotApiServer, briefing: IndexSettings) -> AsyncIterator[Any]:
    application = await start_bot(api, briefing)
    yield application
    await stop_bot(application)


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record at DEBUG, httpx aside (it logs each URL, token included, at INFO; the bot
    quiets it in production too)."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.WARNING, logger="httpx")
    return caplog


def _output_since(api: BotApiServer, before: int) -> list[Call]:
    return [call for call in api.calls()[before:] if call.method in _BOT_OUTPUT]


def _check_quiet_and_discreet(
    output: list[Call], log: pytest.LogCaptureFixture, briefing: IndexSettings
) -> None:
    """No warning, error or traceback in the log; no reply showing the server side."""
    loud = [r for r in log.records if r.levelno >= logging.WARNING or r.exc_info]
    assert not loud, [r.getMessage() for r in loud]
    shown = " ".join(str(call.params.get("text", "")) for call in output)
    leaks = [s for s in (*UNDISCLOSED, str(briefing.seeds_dir.parent)) if s in shown]
    assert not leaks, f"the bot disclosed {leaks}"


def _push(api: BotApiServer, case: Message) -> tuple[int, int]:
    """Sends the case from a new chat; returns the update id and the chat id."""
    if case.chat_type == "private":
        chat = next(_PRIVATE_CHATS)
        who: dict[str, Any] = {"user_id": chat}
    else:
        chat = next(_GROUP_CHATS)
        who = {"user_id": USER, "chat_type": case.chat_type}
    if case.edited:
        return api.push_edited_message(chat, case.text, entities=case.entities, **who), chat
    return api.push_message(chat, case.text, entities=case.entities, **who), chat


@pytest.mark.parametrize("case", MESSAGES, ids=lambda case: case.id)
async def test_a_hostile_message_gets_a_polite_reply_or_silence(
    case: Message, api: BotApiServer, bot: Any, log: pytest.LogCaptureFixture, briefing: Any
) -> None:
    before = len(api.calls())
    update_id, chat = _push(api, case)
    await settle(api, bot, update_id)
    output = _output_since(api, before)
    replies = [call for call in output if str(call.params.get("chat_id")) == str(chat)]
    if case.reply is None:
        assert replies == []
    else:
        assert len(replies) == 1 and replies[0].status == 200
        assert case.reply in replies[0].params["text"]
    assert [call.status for call in output] == [200] * len(output)
    _check_quiet_and_discreet(output, log, briefing)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot_message(api: BotApiServer, bot: Any) -> tuple[int, int]:
    """A message of the bot's (the /help reply) to press forged buttons on."""
    chat = next(_PRIVATE_CHATS)
    await reply_to(api, chat, "/help", user_id=chat)
    return chat, api.sent_messages(chat)[-1].message_id


@pytest.mark.parametrize("press", PRESSES, ids=lambda press: press.id)
async def test_a_forged_button_gets_a_notice(
    press: Press,
    api: BotApiServer,
    bot: Any,
    bot_message: tuple[int, int],
    log: pytest.LogCaptureFixture,
    briefing: Any,
) -> None:
    chat, message_id = bot_message
    data = press.data.replace("{stamp}", bot.bot_data.service.stamp)
    before = len(api.calls())
    await settle(api, bot, api.push_callback_query(chat, message_id, data, user_id=chat))
    output = _output_since(api, before)
    assert [(call.method, call.params.get("text"), call.status) for call in output] == [
        ("answerCallbackQuery", press.notice, 200)
    ]
    _check_quiet_and_discreet(output, log, briefing)


async def test_more_of_another_chats_answer_has_expired_there(
    api: BotApiServer, bot: Any, log: pytest.LogCaptureFixture, briefing: Any
) -> None:
    asker, other = next(_PRIVATE_CHATS), next(_PRIVATE_CHATS)
    answer = await reply_to(api, asker, "What did Zakharova say?", user_id=asker)
    buttons = [b for row in answer.params["reply_markup"]["inline_keyboard"] for b in row]
    more = next(b["callback_data"] for b in buttons if b["text"] == "More")
    await reply_to(api, other, "/help", user_id=other)
    before = len(api.calls())
    other_message = api.sent_messages(other)[-1].message_id
    await settle(api, bot, api.push_callback_query(other, other_message, more, user_id=other))
    assert [(c.method, c.params.get("text")) for c in _output_since(api, before)] == [
        ("answerCallbackQuery", EXPIRED)
    ]
    asker_message = api.sent_messages(asker)[-1].message_id
    for _ in range(2):  # the chat that asked pages on, and a second tap is no error
        await settle(api, bot, api.push_callback_query(asker, asker_message, more, user_id=asker))
    output = _output_since(api, before)
    edits = [call for call in output if call.method == "editMessageText"]
    assert "Page 1 of" in edits[0].params["text"]
    assert [call.status for call in edits] == [200, 400]  # 400: "message is not modified"
    answered = [call.status for call in output if call.method == "answerCallbackQuery"]
    assert answered == [200, 200, 200]
    output = [call for call in output if call is not edits[1]]
    _check_quiet_and_discreet(output, log, briefing)


async def test_a_channel_post_gets_silence(
    api: BotApiServer, bot: Any, log: pytest.LogCaptureFixture, briefing: Any
) -> None:
    before = len(api.calls())
    post = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": -1009990001, "type": "channel", "title": "News"},
        "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    await settle(api, bot, api.push_update({"channel_post": post}))
    assert _output_since(api, before) == []
    _check_quiet_and_discreet([], log, briefing)
