"""👍/👎 under answers, end to end: the real Application against the Bot API stand-in, the
verdicts read back from the SQLite file beside the index folder."""

from __future__ import annotations

from typing import Any

import pytest

from bot.callbacks import parse_callback
from bot.feedback import THANKS
from index.config import IndexSettings
from index.feedback import FeedbackStore, feedback_path
from tests.support.botapi import BotApiServer, SentMessage
from tests.support.harness import GROUP, USER, reply_to, wait_for

OTHER_USER = 1004


def _buttons(message: SentMessage) -> list[dict[str, Any]]:
    return [button for row in message.reply_markup["inline_keyboard"] for button in row]


def _verdict_data(message: SentMessage, mark: str) -> str:
    (row,) = [row for row in message.reply_markup["inline_keyboard"] if row[0]["text"] == "👍"]
    return str(next(button["callback_data"] for button in row if button["text"] == mark))


async def _press(
    server: BotApiServer, chat_id: int, message: SentMessage, data: str, user_id: int = USER
) -> dict[str, Any]:
    """Presses a button with ``data`` on ``message``; the bot's answerCallbackQuery."""
    before = len(server.calls("answerCallbackQuery"))
    server.push_callback_query(chat_id, message.message_id, data, user_id=user_id)
    return (await wait_for(server, "answerCallbackQuery", count=before + 1))[-1].params


@pytest.mark.asyncio
async def test_a_change_of_mind_replaces_the_verdict(
    server: BotApiServer, bot: Any, index_settings: IndexSettings
) -> None:
    await reply_to(server, USER, "What did Lavrov say?", user_id=USER)
    answer = server.sent_messages(USER)[-1]
    buttons = _buttons(answer)
    assert [b["text"] for b in answer.reply_markup["inline_keyboard"][-1]] == ["👍", "👎"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    stamp = buttons[0]["callback_data"].rsplit(":", 1)[1]
    up, down = _verdict_data(answer, "👍"), _verdict_data(answer, "👎")
    assert up.startswith("f:") and up.endswith(f":{stamp}")
    server.push_callback_query(USER, answer.message_id, up, user_id=USER, check_keyboard=True)
    assert (await wait_for(server, "answerCallbackQuery"))[-1].params["text"] == THANKS
    store = FeedbackStore(feedback_path(index_settings.index_dir))
    assert [e.verdict for e in store.entries()] == ["up"]
    assert (await _press(server, USER, answer, down))["text"] == THANKS
    (entry,) = store.entries()
    assert (entry.verdict, entry.chat_id, entry.user_id) == ("down", USER, USER)
    assert entry.question == "What did Lavrov say?"
    assert "Lavrov said" in entry.answer and "[1]" in entry.answer
    assert entry.passages and "Lavrov" in entry.passages[0].text
    assert entry.passages[0].source.endswith(".txt") and entry.passages[0].paragraph >= 1


@pytest.mark.asyncio
async def test_each_reader_in_a_group_has_a_verdict(
    server: BotApiServer, bot: Any, index_settings: IndexSettings
) -> None:
    await reply_to(server, GROUP, "/ask What did Zakharova say?", user_id=USER, chat_type="group")
    answer = server.sent_messages(GROUP)[-1]
    await _press(server, GROUP, answer, _verdict_data(answer, "👍"), user_id=USER)
    await _press(server, GROUP, answer, _verdict_data(answer, "👎"), user_id=OTHER_USER)
    store = FeedbackStore(feedback_path(index_settings.index_dir))
    verdicts = {(e.user_id, e.verdict) for e in store.entries()}
    assert verdicts == {(USER, "up"), (OTHER_USER, "down")}
    assert {e.chat_id for e in store.entries()} == {GROUP}


@pytest.mark.asyncio
async def test_stale_and_forged_verdicts_are_refused_politely(
    server: BotApiServer, bot: Any, index_settings: IndexSettings
) -> None:
    await reply_to(server, USER, "What did Lavrov say?", user_id=USER)
    answer = server.sent_messages(USER)[-1]
    real = parse_callback(_verdict_data(answer, "👎"))
    assert real is not None
    stale = await _press(server, USER, answer, f"f:{real.answer}:d:deadbeef")
    assert "updated" in stale["text"] and stale["show_alert"] is True
    unknown = await _press(server, USER, answer, f"f:{real.answer + 1}:d:{real.stamp}")
    assert "too old" in unknown["text"]
    for forged in ("f:", "f:01:d:" + real.stamp, f"f:{real.answer}:x:{real.stamp}", "f:1:u:ZZ"):
        assert "don't know that button" in (await _press(server, USER, answer, forged))["text"]
    # Another chat's answer key, pressed from a chat that never saw it.
    await reply_to(server, OTHER_USER, "Hello", user_id=OTHER_USER)
    theirs = server.sent_messages(OTHER_USER)[-1]
    elsewhere = await _press(
        server, OTHER_USER, theirs, _verdict_data(answer, "👍"), user_id=OTHER_USER
    )
    assert "too old" in elsewhere["text"]
    assert not FeedbackStore(feedback_path(index_settings.index_dir)).exists()


@pytest.mark.asyncio
async def test_a_verdict_that_cannot_be_stored_is_said_so(
    server: BotApiServer,
    bot: Any,
    index_settings: IndexSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    feedback_path(index_settings.index_dir).mkdir()  # a folder where the database should be
    await reply_to(server, USER, "What did Lavrov say?", user_id=USER)
    answer = server.sent_messages(USER)[-1]
    refused = await _press(server, USER, answer, _verdict_data(answer, "👎"))
    assert "could not note that" in refused["text"] and refused["show_alert"] is True
    assert any("verdict not stored" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.exc_info], "an expected failure, no traceback"
