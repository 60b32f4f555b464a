"""More of the bot against the stand-in: paging of sources, replies in groups, an index
rebuilt beside the bot, concurrency, and webhook mode."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from index.answering.answers import Answerer
from index.build import build_index
from index.config import IndexSettings
from index.retrieval.question import Question
from tests.support.fakes import FakeEmbedder
from tests.support.harness import USER, reply_to, start_bot, stop_bot, wait_for

GROUP = -100999


@pytest.mark.asyncio
async def test_sources_are_paginated(server: Any, index_settings: IndexSettings) -> None:
    for number in range(10):
        (index_settings.seeds_dir / f"extra-{number:02d}.txt").write_text(
            f"Extra article {number}\n\nThe spokesman said talks number {number} went well.\n",
            encoding="utf-8",
        )
    build_index(index_settings.seeds_dir, index_settings.index_dir, FakeEmbedder())
    application = await start_bot(server, index_settings)
    try:
        first = await reply_to(server, USER, "/sources", user_id=USER)
        assert "(12)" in first.params["text"] and "1. " in first.params["text"]
        [[more]] = first.params["reply_markup"]["inline_keyboard"]
        message = server.sent_messages(USER)[-1]
        server.push_callback_query(USER, message.message_id, more["callback_data"], user_id=USER)
        edit = (await wait_for(server, "editMessageText"))[-1]
        assert "\n9. " in edit.params["text"] and "\n1. " not in edit.params["text"]
        assert [b["text"] for b in edit.params["reply_markup"]["inline_keyboard"][0]] == ["‹ Back"]
    finally:
        await stop_bot(application)


@pytest.mark.asyncio
async def test_group_reply_to_the_bot_is_answered(server: Any, bot: Any) -> None:
    await reply_to(server, GROUP, "/ask What did Lavrov say?", user_id=USER, chat_type="group")
    bot_message = server.sent_messages(GROUP)[-1].message_id
    reply = await reply_to(
        server,
        GROUP,
        "And what did Zakharova say?",
        user_id=USER,
        chat_type="group",
        reply_to_message_id=bot_message,
    )
    assert "Zakharova" in reply.params["text"]


@pytest.mark.asyncio
async def test_an_index_rebuilt_beside_the_bot_is_swapped_in(
    server: Any, bot: Any, index_settings: IndexSettings
) -> None:
    before = await reply_to(server, USER, "/about", user_id=USER)
    assert "<b>Articles</b> 2" in before.params["text"]
    (index_settings.seeds_dir / "late.txt").write_text(
        "Late news\n\nA late report.\n", encoding="utf-8"
    )
    await asyncio.to_thread(
        build_index, index_settings.seeds_dir, index_settings.index_dir, FakeEmbedder()
    )
    after = await reply_to(server, USER, "/about", user_id=USER)
    assert "<b>Articles</b> 3" in after.params["text"]


class SlowEmbedder(FakeEmbedder):
    """Takes 0.2 s a call, however many questions it embeds, like a model on a CPU."""

    def embed_queries(self, texts: Sequence[str]) -> Any:
        time.sleep(0.2)
        return super().embed_queries(texts)


@pytest.mark.asyncio
async def test_a_slow_question_does_not_hold_up_other_chats(
    server: Any, index_settings: IndexSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = Answerer.answer

    def slow_for_some(self: Answerer, question: Question, vector: Any = None) -> Any:
        if "slow" in question.text:
            time.sleep(2)
        return answer(self, question, vector)

    monkeypatch.setattr(Answerer, "answer", slow_for_some)
    application = await start_bot(server, index_settings)
    try:
        server.push_message(7001, "a slow question about Lavrov", user_id=7001)
        await asyncio.sleep(0.3)
        server.push_message(7002, "What did Zakharova say?", user_id=7002)
        sent = await wait_for(server, "sendMessage", count=2, timeout=15)
        assert [call.params["chat_id"] for call in sent][:2] in (["7002", "7001"], [7002, 7001])
    finally:
        await stop_bot(application)


@pytest.mark.asyncio
async def test_questions_from_many_chats_at_once_are_embedded_together(
    server: Any, index_settings: IndexSettings
) -> None:
    embedder = SlowEmbedder()
    application = await start_bot(server, index_settings, embedder)
    chats = list(range(8001, 8013))
    try:
        for chat in chats:
            server.push_message(chat, f"What did Zakharova say? ({chat})", user_id=chat)
        sent = await wait_for(server, "sendMessage", count=len(chats), timeout=30)
        await asyncio.sleep(0.5)  # nothing more arrives: each question answered once
        answered = sorted(int(call.params["chat_id"]) for call in server.calls("sendMessage"))
        assert answered == chats and len(sent) == len(chats)
        assert len(embedder.query_calls) < len(chats)
        assert sum(len(call) for call in embedder.query_calls) == len(chats)
    finally:
        await stop_bot(application)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.asyncio
async def test_webhook_mode_checks_the_secret(server: Any, index_settings: IndexSettings) -> None:
    port = _free_port()
    secret = "s3cret-token"
    application = await start_bot(
        server,
        index_settings,
        webhook_url=f"https://bot.example.org/{port}",
        webhook_secret=secret,
        webhook_port=port,
    )
    await application.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        secret_token=secret,
        webhook_url=f"https://bot.example.org/{port}",
    )
    try:
        assert server.calls("setWebhook")[-1].params["secret_token"] == "s3cret-token"
        update = server.text_message(USER, "What did Zakharova say?", user_id=USER)
        update["update_id"] = 1
        async with httpx.AsyncClient() as client:
            url = f"http://127.0.0.1:{port}/"
            refused = await client.post(
                url, content=json.dumps(update), headers={"Content-Type": "application/json"}
            )
            assert refused.status_code == 403
            accepted = await client.post(
                url,
                content=json.dumps(update),
                headers={
                    "Content-Type": "application/json",
                    "X-Telegram-Bot-Api-Secret-Token": secret,
                },
            )
            assert accepted.status_code == 200
        answer = (await wait_for(server, "sendMessage"))[-1]
        assert "Zakharova said" in answer.params["text"]
    finally:
        await stop_bot(application)
