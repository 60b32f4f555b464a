"""``/digest [today|week|all|DATE]``: the briefing's stories of a period, a page at a time.

Each story: its headline, when, in which languages and by whom it is told, one or two of its
sentences nearest its centre with citation numbers, and a button per citation (and per other
language's version) showing the passage (``index.answering.digest``).
"""

from __future__ import annotations

import asyncio
import datetime
import html
import re
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.ext import JobQueue

from bot.callbacks import digest_data, passage_data
from bot.follows import may_change, push
from bot.render import Rendered, citation_line, fit, navigation, page_footer, page_of, rows_of
from index.answering.answers import Citation
from index.answering.digest import Digest, Period, Story, numbered
from index.articles.dates import DateRange
from index.follows import Cadence, Subscription
from index.records import Hit

if TYPE_CHECKING:
    from bot.state import Context

STORIES_PER_PAGE = 3
USAGE = (
    "Send /digest for the week up to the newest article, or /digest today, /digest all, "
    "/digest 2026-03-12. /digest subscribe daily 08:00 Europe/Paris sends one every day "
    "(weekly: on Mondays); /digest unsubscribe stops it."
)
_SUBSCRIBE = re.compile(
    r"subscribe\s+(?P<cadence>daily|weekly)\s+(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)"
    r"(?:\s+(?P<zone>\S+))?",
    re.IGNORECASE,
)
_MONDAY = 1  # JobQueue.run_daily counts days from Sunday = 0


async def digest_command(update: Update, context: Context) -> None:
    """``/digest [period]``: the first page of the period's stories."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    service = context.bot_data.service
    assert message is not None and chat is not None and service is not None
    asked = " ".join(context.args or [])
    if asked.lower().startswith(("subscribe", "unsubscribe")):
        await _subscription(update, context, asked)
        return
    await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    language = (user.language_code if user is not None else None) or "en"
    digest = await service.digest(asked, language[:2])
    if digest is None:
        await message.reply_text(USAGE)
        return
    rendered = render_digest(digest, 1, service.stamp)
    await message.reply_text(rendered.text, reply_markup=rendered.keyboard)


async def _subscription(update: Update, context: Context, asked: str) -> None:
    """``/digest subscribe daily|weekly HH:MM [Zone]`` and ``/digest unsubscribe``."""
    message, chat = update.effective_message, update.effective_chat
    store, queue = context.bot_data.follows, context.job_queue
    assert message is not None and chat is not None and store is not None and queue is not None
    if not await may_change(update, context):
        return
    if asked.lower().startswith("unsubscribe"):
        for job in queue.get_jobs_by_name(_job_name(chat.id)):
            job.schedule_removal()
        stopped = await asyncio.to_thread(store.unsubscribe, chat.id)
        await message.reply_text(
            "No more scheduled digests here." if stopped else "This chat has no scheduled digest."
        )
        return
    match = _SUBSCRIBE.fullmatch(asked.strip())
    zone = (match["zone"] if match else None) or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        match = None
    if match is None:
        await message.reply_text(
            "Send e.g. /digest subscribe daily 08:00 Europe/Paris (or weekly, sent on Mondays; "
            "the time zone is an IANA name, UTC when left out)."
        )
        return
    cadence: Cadence = "daily" if match["cadence"].lower() == "daily" else "weekly"
    at_time = f"{int(match['hour']):02d}:{match['minute']}"
    subscription = Subscription(chat.id, cadence, at_time, zone)
    await asyncio.to_thread(store.subscribe, subscription)
    schedule_digest(queue, subscription)
    when = "every day" if cadence == "daily" else "every Monday"
    await message.reply_text(
        f"I will send this chat the digest {when} at {at_time} ({html.escape(zone)}): the "
        f"stories of the {'last two days' if cadence == 'daily' else 'last seven days'}, when "
        "there are any. /digest unsubscribe stops it."
    )


def schedule_digest(queue: JobQueue[Any], subscription: Subscription) -> None:
    """(Re)schedules a chat's digest with the JobQueue, in the chat's time zone."""
    for job in queue.get_jobs_by_name(_job_name(subscription.chat_id)):
        job.schedule_removal()
    hour, minute = (int(part) for part in subscription.at_time.split(":"))
    queue.run_daily(
        digest_job,
        datetime.time(hour, minute, tzinfo=ZoneInfo(subscription.timezone)),
        days=tuple(range(7)) if subscription.cadence == "daily" else (_MONDAY,),
        name=_job_name(subscription.chat_id),
        chat_id=subscription.chat_id,
        data=subscription,
    )


async def digest_job(context: Context) -> None:
    """A scheduled digest: sent once per chat and local day, whatever restarts happen."""
    job = context.job
    assert job is not None and isinstance(job.data, Subscription)
    await send_scheduled_digest(context.application, job.data)


async def send_scheduled_digest(application: Any, subscription: Subscription) -> bool:
    """Sends the chat its digest of the last two (daily) or seven (weekly) local days, if it
    has stories and was not sent today already (recorded before sending); True when sent."""
    data = application.bot_data
    store, service, settings = data.follows, data.service, data.settings
    today = datetime.datetime.now(ZoneInfo(subscription.timezone)).date()
    if settings is not None and not settings.chat_allowed(subscription.chat_id):
        await asyncio.to_thread(store.forget_chat, subscription.chat_id)  # not even claimed
        return False
    if not await asyncio.to_thread(store.claim_digest, subscription.chat_id, today.isoformat()):
        return False
    days = 2 if subscription.cadence == "daily" else 7
    period = Period(subscription.cadence, DateRange(today - datetime.timedelta(days - 1), today))
    digest = await service.digest_of(period)
    if not digest.stories:
        return False
    return await push(application, subscription.chat_id, render_digest(digest, 1, service.stamp))


def _job_name(chat_id: int) -> str:
    return f"digest:{chat_id}"


def render_digest(digest: Digest, page: int, stamp: str) -> Rendered:
    """Page ``page`` (from 1, clamped) of the digest: its stories, their sources, buttons."""
    shown = page_of(len(digest.stories), STORIES_PER_PAGE, page)
    stories = numbered(digest, shown.first, STORIES_PER_PAGE)
    head = _head(digest)
    if not stories:
        return Rendered(head)
    blocks = [_story_block(shown.first + n, story) for n, story in enumerate(stories, 1)]
    citations = [c for story in stories for c in story.summary]
    sources = "\n\n<b>Sources</b>\n" + "\n".join(citation_line(c) for c in citations)
    footer = page_footer(shown.number, shown.count) if shown.count > 1 else ""
    text = fit(head + "\n\n" + "\n\n".join(blocks), sources + footer)
    # A button per citation; the story's versions in other languages after its first one.
    buttons = [
        InlineKeyboardButton(label, callback_data=passage_data(hit.passage.id, stamp))
        for story in stories
        for first, c in enumerate(story.summary)
        for label, hit in [
            (f"[{c.n}]", c.hit),
            *((f"[{c.n}] {v.article.language.upper()}", v) for v in _versions(c) if first == 0),
        ]
    ]
    rows = rows_of(buttons)
    pages = navigation(
        shown.number, shown.count, lambda to: digest_data(digest.period.code, to, stamp)
    )
    if pages is not None:
        rows += [list(row) for row in pages.inline_keyboard]
    return Rendered(text, InlineKeyboardMarkup(rows) if rows else None)


def _versions(citation: Citation) -> list[Hit]:
    """The citation's versions, one per language other than its own."""
    seen = {citation.hit.article.language}
    kept = []
    for version in citation.versions:
        if version.article.language not in seen:
            seen.add(version.article.language)
            kept.append(version)
    return kept


def _head(digest: Digest) -> str:
    count = len(digest.stories)
    head = (
        f"<b>Digest · {html.escape(digest.period.describe())}</b> · "
        f"{count} stor{'y' if count == 1 else 'ies'}"
    )
    if not count:
        head += "\nNothing in the briefing is dated in it. /digest all shows every story."
    if digest.undated:
        head += f"\n<i>{digest.undated} undated article{'s' * (digest.undated != 1)} left out</i>"
    return head


def _story_block(rank: int, story: Story) -> str:
    languages = ", ".join(language.upper() for language in story.languages)
    when = story.date or "undated"
    by = html.escape(", ".join(story.sources))
    sentences = " ".join(f"{html.escape(c.quoted)} [{c.n}]" for c in story.summary)
    return (
        f"<b>{rank}. {html.escape(story.headline)}</b>\n"
        f"<i>{html.escape(when)} · {languages} · {by}</i>\n{sentences}"
    )
