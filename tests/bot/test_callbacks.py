"""Every button's callback_data, made and read back in ``bot.callbacks``: what it makes fits
Telegram's 64 bytes and parses back to itself, what it did not make parses to nothing, and
every button the running bot sends parses back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.callbacks import (
    ANSWER_KEYS,
    Callback,
    article_data,
    context_data,
    more_data,
    parse_callback,
    passage_data,
    sources_data,
    verdict_data,
)
from tests.support.botapi import MAX_CALLBACK_DATA, BotApiServer, SentMessage
from tests.support.harness import USER, reply_to
from tests.support.settle import settle

_stamp = st.text("0123456789abcdef", min_size=8, max_size=8)
_answer = st.integers(1, ANSWER_KEYS - 1)
_passage = st.integers(0, 10**9 - 1)
_page = st.integers(1, 10**6 - 1)
_callbacks = st.one_of(
    st.builds(Callback, st.just("passage"), _stamp, passage=_passage),
    st.builds(Callback, st.just("more"), _stamp, answer=_answer, page=_page),
    st.builds(Callback, st.just("sources"), _stamp, page=_page),
    st.builds(Callback, st.just("context"), _stamp, answer=_answer, passage=_passage),
    st.builds(Callback, st.just("article"), _stamp, answer=_answer, passage=_passage, page=_page),
    st.builds(
        Callback,
        st.just("verdict"),
        _stamp,
        answer=_answer,
        verdict=st.sampled_from(["up", "down"]),
    ),
)


@settings(max_examples=300, deadline=None)
@given(callback=_callbacks)
def test_every_button_fits_and_parses_back_to_itself(callback: Callback) -> None:
    assert 1 <= len(callback.data.encode()) <= MAX_CALLBACK_DATA
    assert parse_callback(callback.data) == callback


def test_the_makers_write_what_the_buttons_carry() -> None:
    stamp = "0123abcd"
    assert parse_callback(passage_data(7, stamp)) == Callback("passage", stamp, passage=7)
    assert parse_callback(more_data(42, 3, stamp)) == Callback("more", stamp, answer=42, page=3)
    assert parse_callback(sources_data(2, stamp)) == Callback("sources", stamp, page=2)
    assert parse_callback(context_data(42, 0, stamp)) == Callback(
        "context", stamp, answer=42, passage=0
    )
    assert parse_callback(article_data(42, 7, 2, stamp)) == Callback(
        "article", stamp, answer=42, passage=7, page=2
    )
    assert parse_callback(verdict_data(42, "down", stamp)) == Callback(
        "verdict", stamp, answer=42, verdict="down"
    )
    longest = article_data(ANSWER_KEYS - 1, 10**9 - 1, 10**6 - 1, stamp)
    assert len(longest.encode()) == 40


@settings(max_examples=500, deadline=None)
@given(
    data=st.none()
    | st.text(max_size=70)
    | st.from_regex(
        r"[pmscaf]:[-0-9]{0,14}(:[0-9ud]{0,10})?(:[0-9]{0,7})?:[0-9a-fA-F]{7,9}\n?",
        fullmatch=True,
    )
    | st.builds(
        ":".join,
        st.lists(st.text(st.characters(categories=("Nd", "Ll")), max_size=13), max_size=5),
    )
)
def test_only_data_the_bot_made_parses(data: str | None) -> None:
    pressed = parse_callback(data)  # never raises
    assert pressed is None or pressed.data == data


# Near misses: a newline a ``$`` would let through, other digits, zero pages and answers,
# leading zeros, an unknown verdict, something after the stamp, a field short, another letter.
_NEAR_MISSES = (
    "p:1:0123abcd\n p:١:0123abcd s:0:0123abcd c:0:1:0123abcd a:1:1:0:0123abcd "
    "a:1:01:1:0123abcd f:1:u:0123abcd\n f:01:d:0123abcd f:1:x:0123abcd p:1:0123abcd:extra "
    "m:1:0123abcd f:1:0123abcd t:1:0123abcd p:1:ZZZZZZZZ"
).split(" ")


@pytest.mark.parametrize("data", _NEAR_MISSES)
def test_near_misses_are_refused(data: str) -> None:
    assert parse_callback(data) is None


def _keyboards(server: BotApiServer) -> list[list[dict[str, Any]]]:
    """The buttons of every message the bot sent or edited, as sent."""
    keyboards = []
    for call in server.calls("sendMessage") + server.calls("editMessageText"):
        markup = call.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if markup:
            keyboards.append([button for row in markup["inline_keyboard"] for button in row])
    return keyboards


async def _press(server: BotApiServer, bot: Any, message: SentMessage, text: str) -> None:
    """Taps the button ``text`` of ``message``; returns once the bot has done with the press."""
    data = next(
        button["callback_data"]
        for row in message.reply_markup["inline_keyboard"]
        for button in row
        if button["text"] == text
    )
    pushed = server.push_callback_query(
        USER, message.message_id, data, user_id=USER, check_keyboard=True
    )
    await settle(server, bot, pushed)


@pytest.mark.asyncio
async def test_every_button_the_bot_sends_parses_back(server: BotApiServer, bot: Any) -> None:
    await reply_to(server, USER, "What did Lavrov say?", user_id=USER)
    answer = server.sent_messages(USER)[-1]
    await _press(server, bot, answer, "[1]")
    await _press(server, bot, server.sent_messages(USER)[-1], "Whole article")
    await _press(server, bot, answer, "More")  # the answer becomes a page of further passages
    await reply_to(server, USER, "/timeline Lavrov", user_id=USER)
    await reply_to(server, USER, "/sources", user_id=USER)
    kinds = set()
    for buttons in _keyboards(server):
        for button in buttons:
            pressed = parse_callback(button["callback_data"])
            assert pressed is not None, button
            assert pressed.data == button["callback_data"]
            kinds.add(pressed.kind)
    assert {"passage", "more", "context", "article", "verdict"} <= kinds
