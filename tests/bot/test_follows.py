"""Followed topics and scheduled digests, end to end: the real Application (with its JobQueue)
against the stand-in Bot API, rebuilds by /reindex, restarts with the same SQLite file."""

from __future__ import annotations

import asyncio
import datetime
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from bot.digest import send_scheduled_digest
from bot.follows import check_follows, render_news
from index.build import build_index
from index.config import IndexSettings
from index.embedding.models import Embedder
from index.follows import FollowStore, Subscription, follows_path
from index.service import BriefingService
from tests.readme_check.setups import LONDON_EN
from tests.support.botapi import BotApiServer, format_text
from tests.support.harness import ADMIN, GROUP, USER, reply_to, start_bot, stop_bot
from tests.support.paths import REPO, SEEDS

pytestmark = pytest.mark.asyncio
HARBOUR = (
    "Harbour of Tromsø reopens\n\n"
    "The harbour master Halvorsen said the harbour of Tromsø reopens to ferries on Friday after "
    "the storm repairs to the quay.\n"
)
WIND = (
    "Wind farm approved\n\n"
    "The county approved forty offshore turbines near Bodø, the developer of the farm said.\n"
)
TOPIC = "harbour of Tromsø"


@pytest_asyncio.fixture
async def bot(server: BotApiServer, index_settings: IndexSettings) -> AsyncIterator[Any]:
    application = await start_bot(server, index_settings)
    await check_follows(application)  # the start's first check: the seeds are no news
    yield application
    await stop_bot(application)


async def _reindex(server: BotApiServer) -> None:
    """/reindex as the admin, until its "Done" reply (news may go out to others meanwhile)."""
    before = len(server.sent_messages(ADMIN))
    server.push_message(ADMIN, "/reindex", user_id=ADMIN)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while len(server.sent_messages(ADMIN)) < before + 2:
        assert loop.time() < deadline, "no reply to /reindex"
        await asyncio.sleep(0.02)
    assert server.sent_messages(ADMIN)[-1].text.startswith("Done:")


async def _quiet(server: BotApiServer, bot: Any) -> None:
    """Lets the check that follows /reindex finish: it runs under the follow lock."""
    async with bot.bot_data.follow_lock:
        await asyncio.sleep(0)


def _news(server: BotApiServer, chat: int) -> list[str]:
    return [m.text for m in server.sent_messages(chat) if m.text.startswith("New on ")]


async def test_a_matching_article_sends_exactly_one_message_and_others_none(
    server: BotApiServer, bot: Any, index_settings: IndexSettings
) -> None:
    followed = await reply_to(server, USER, f"/follow {TOPIC}", user_id=USER)
    assert followed.params["text"].startswith(f"Following <b>{TOPIC}</b>")
    (index_settings.seeds_dir / "wind.txt").write_text(WIND, encoding="utf-8")
    await _reindex(server)
    await _quiet(server, bot)
    assert _news(server, USER) == []  # no noise: the new article is not about the harbour
    (index_settings.seeds_dir / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    await _reindex(server)
    await _quiet(server, bot)
    news = _news(server, USER)
    assert len(news) == 1
    assert news[0].startswith(f"New on {TOPIC}\nThe harbour master Halvorsen said")
    assert "[1] Harbour of Tromsø reopens, ¶ 1" in news[0]
    await _reindex(server)  # the same index again: nothing is news twice
    await _quiet(server, bot)
    assert len(_news(server, USER)) == 1
    listed = await reply_to(server, USER, "/following", user_id=USER)
    assert f"• {TOPIC}" in listed.params["text"]
    stopped = await reply_to(server, USER, f"/unfollow {TOPIC}", user_id=USER)
    assert "no longer follows" in stopped.params["text"]


async def test_a_restart_in_the_middle_sends_nothing_twice(
    server: BotApiServer, index_settings: IndexSettings
) -> None:
    first = await start_bot(server, index_settings)
    try:
        await check_follows(first)
        await reply_to(server, USER, f"/follow {TOPIC}", user_id=USER)
        (index_settings.seeds_dir / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
        service = first.bot_data.service
        await service.rebuild()
        # The check records the news as told; the bot dies before sending it.
        recorded = await service.check_follows(first.bot_data.follows)
        assert [item.chat_id for item in recorded] == [USER]
    finally:
        await stop_bot(first)
    restarted = await start_bot(server, index_settings)
    try:
        assert await check_follows(restarted) == 0
        assert _news(server, USER) == []  # lost once rather than sent twice
    finally:
        await stop_bot(restarted)


async def test_a_chat_that_blocked_the_bot_is_dropped(
    server: BotApiServer, bot: Any, index_settings: IndexSettings
) -> None:
    await reply_to(server, USER, f"/follow {TOPIC}", user_id=USER)
    server.block_chat(USER)
    (index_settings.seeds_dir / "harbour.txt").write_text(HARBOUR, encoding="utf-8")
    await _reindex(server)
    await _quiet(server, bot)
    assert FollowStore(follows_path(index_settings.index_dir)).topics() == []


async def test_in_groups_following_is_for_admins(server: BotApiServer, bot: Any) -> None:
    """The bot's admins, and the group's administrators as Telegram says."""
    group_admin = 4343
    server.set_chat_admins(GROUP, 4242, group_admin)
    refused = await reply_to(
        server, GROUP, f"/follow {TOPIC}", user_id=USER, chat_type="supergroup"
    )
    assert refused.params["text"] == (
        "In groups, only admins can change what the group follows or is sent."
    )
    for user in (ADMIN, group_admin):
        allowed = await reply_to(
            server, GROUP, f"/unfollow {TOPIC}", user_id=user, chat_type="supergroup"
        )
        assert "does not follow" in allowed.params["text"] or "no longer" in allowed.params["text"]
        followed = await reply_to(
            server, GROUP, f"/follow {TOPIC}", user_id=user, chat_type="supergroup"
        )
        assert followed.params["text"].startswith("Following")
    asked = [c.params for c in server.calls("getChatMember")]
    assert [(p["chat_id"], p["user_id"]) for p in asked] == [(GROUP, USER)] + [
        (GROUP, group_admin)
    ] * 2  # the bot's own admins are not asked about


async def test_a_scheduled_digest_is_sent_once_a_day_whatever_restarts(
    server: BotApiServer, bot: Any, index_settings: IndexSettings
) -> None:
    reply = await reply_to(server, USER, "/digest subscribe daily 08:00 Europe/Paris", user_id=USER)
    assert reply.params["text"].startswith("I will send this chat the digest every day at 08:00")
    assert [job.name for job in bot.job_queue.get_jobs_by_name(f"digest:{USER}")] == [
        f"digest:{USER}"
    ]
    today = datetime.datetime.now(ZoneInfo("Europe/Paris")).date()
    (index_settings.seeds_dir / "harbour.txt").write_text(
        f"date {today.isoformat()}\n{HARBOUR}", encoding="utf-8"
    )
    await _reindex(server)
    subscription = Subscription(USER, "daily", "08:00", "Europe/Paris")
    assert await send_scheduled_digest(bot, subscription) is True
    assert await send_scheduled_digest(bot, subscription) is False
    digests = [m.text for m in server.sent_messages(USER) if m.text.startswith("Digest · ")]
    assert len(digests) == 1 and "1. Harbour of Tromsø reopens" in digests[0]
    bad = await reply_to(server, USER, "/digest subscribe daily 25:00", user_id=USER)
    assert bad.params["text"].startswith("Send e.g. /digest subscribe daily 08:00")
    stopped = await reply_to(server, USER, "/digest unsubscribe", user_id=USER)
    assert stopped.params["text"] == "No more scheduled digests here."
    assert bot.job_queue.get_jobs_by_name(f"digest:{USER}") == () or all(
        job.removed for job in bot.job_queue.get_jobs_by_name(f"digest:{USER}")
    )


async def test_scheduled_digests_are_scheduled_again_at_start(
    server: BotApiServer, index_settings: IndexSettings
) -> None:
    store = FollowStore(follows_path(index_settings.index_dir))
    store.subscribe(Subscription(USER, "weekly", "07:30", "Asia/Tokyo"))
    application = await start_bot(server, index_settings)
    try:
        (job,) = application.job_queue.get_jobs_by_name(f"digest:{USER}")
        assert job.data == Subscription(USER, "weekly", "07:30", "Asia/Tokyo")
    finally:
        await stop_bot(application)


@pytest.mark.slow
async def test_the_documented_notification_is_what_the_bot_sends(
    e5: Embedder, tmp_path: Path
) -> None:
    """The README's follow notification, made again with the real model."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    settings = IndexSettings(tmp_path / "seeds", tmp_path / "index")
    build_index(settings.seeds_dir, settings.index_dir, e5)
    service = BriefingService(settings, e5)
    try:
        store = FollowStore(tmp_path / "follows.sqlite3")
        assert await service.check_follows(store) == []  # the seeds are no news
        store.follow(USER, "cyber security talks with London")
        store.follow(USER + 1, "Zakharova")
        shutil.copy(LONDON_EN, settings.seeds_dir)
        await service.rebuild()
        news = await service.check_follows(store)
    finally:
        await service.close()
    assert [item.chat_id for item in news] == [USER]  # the new article does not name her
    shown, _ = format_text(render_news(news[0], service.stamp).text, "HTML")
    documented = (REPO / "README.md").read_text(encoding="utf-8")
    block = documented.split("<!-- follow-notification -->\n```text\n", 1)[1].split("\n```", 1)[0]
    assert shown == block
