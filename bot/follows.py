"""``/follow TOPIC``, ``/following``, ``/unfollow``: news of followed topics after rebuilds.

After every rebuild (``/reindex``, ``/add``, ``/remove``, or ``briefing-index build`` beside the
bot, noticed within ``FOLLOW_CHECK_SECONDS``), the passages new to the index are checked against
every followed topic (``index.follows``) and each chat is sent what is news for it: one message
per topic, its passages with their versions, citations and a button per passage. A chat that
blocked the bot is dropped from the list. In groups, following is for admins: the group's own
administrators and the bot's.
"""

from __future__ import annotations

import asyncio
import html
import logging
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.callbacks import passage_data
from bot.render import Rendered, citation_line, fit, rows_of, shorten
from index.errors import BriefingError
from index.follows import MAX_PER_TOPIC, News
from index.retrieval.question import clean_question

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.state import Context

logger = logging.getLogger(__name__)

FOLLOW_CHECK_SECONDS = 30.0
MAX_TOPIC = 200
FOLLOW_USAGE = (
    "Send /follow followed by a name or topic, e.g. <i>/follow Lavrov</i>: after each update of "
    f"the briefing I send you what is new about it (at most {MAX_PER_TOPIC} passages a time)."
)
_GROUP_ADMINS = "In groups, only admins can change what the group follows or is sent."


async def follow_command(update: Update, context: Context) -> None:
    """``/follow topic``: news of the topic after each rebuild."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    topic = clean_question(" ".join(context.args or []))
    if not any(char.isalnum() for char in topic) or len(topic) > MAX_TOPIC:
        await message.reply_text(FOLLOW_USAGE)
        return
    if not await may_change(update, context):
        return
    store = context.bot_data.follows
    assert store is not None
    try:
        added = await asyncio.to_thread(store.follow, chat.id, topic)
    except ValueError as error:
        await message.reply_text(f"Sorry, {html.escape(str(error))}: /unfollow one first.")
        return
    shown = html.escape(shorten(topic, 80))
    await message.reply_text(
        f"Following <b>{shown}</b>: after each update of the briefing I send what is new about "
        f"it, at most {MAX_PER_TOPIC} passages a time. /following lists the topics, "
        f"/unfollow {shown} stops."
        if added
        else f"This chat already follows <b>{shown}</b>. /following lists its topics."
    )


async def following_command(update: Update, context: Context) -> None:
    """``/following``: the topics this chat follows."""
    message, chat = update.effective_message, update.effective_chat
    store = context.bot_data.follows
    assert message is not None and chat is not None and store is not None
    topics = [topic for _, topic in await asyncio.to_thread(store.topics, chat.id)]
    if not topics:
        await message.reply_text("This chat follows no topic. " + FOLLOW_USAGE)
        return
    listed = "\n".join(f"• {html.escape(topic)}" for topic in topics)
    await message.reply_text(f"This chat follows:\n{listed}\n/unfollow <i>topic</i> stops one.")


async def unfollow_command(update: Update, context: Context) -> None:
    """``/unfollow topic`` (or ``/unfollow all``): stops news of it."""
    message, chat = update.effective_message, update.effective_chat
    store = context.bot_data.follows
    assert message is not None and chat is not None and store is not None
    topic = clean_question(" ".join(context.args or []))
    if not topic:
        await following_command(update, context)
        return
    if not await may_change(update, context):
        return
    everything = topic.lower() == "all"
    dropped = await asyncio.to_thread(store.unfollow, chat.id, None if everything else topic)
    if dropped:
        what = "any topic" if everything else f"<b>{html.escape(shorten(topic, 80))}</b>"
        await message.reply_text(f"This chat no longer follows {what}.")
    else:
        await message.reply_text(
            f"This chat does not follow <b>{html.escape(shorten(topic, 80))}</b>. "
            "/following lists its topics."
        )


async def check_follows(application: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """Sends the news of the index in use to the chats that follow it; how many messages.

    Checks run one at a time; the news is recorded as told before it is sent, so a restart
    never sends it twice.
    """
    data = application.bot_data
    if data.follows is None or data.service is None:
        return 0
    async with data.follow_lock:
        await data.service.reload_if_changed()
        stamp = data.service.stamp
        if stamp == data.follows_checked:  # the same index: no passage is new
            return 0
        try:
            news = await data.service.check_follows(data.follows)
        except BriefingError as error:
            logger.error("follows not checked: %s", error)
            return 0
        data.follows_checked = stamp
        stamp = data.service.stamp
        sent = [await push(application, n.chat_id, render_news(n, stamp)) for n in news]
        return sum(sent)


async def follow_job(context: Context) -> None:
    """The JobQueue's periodic check: picks up rebuilds made beside the bot."""
    await check_follows(context.application)


def render_news(news: News, stamp: str) -> Rendered:
    """One topic's news: its passages' sentences, their sources, a button per passage."""
    lines = [f"{html.escape(c.quoted)} [{c.n}]" for c in news.citations]
    head = f"<b>New on {html.escape(shorten(news.topic, 80))}</b>\n"
    sources = "\n\n<b>Sources</b>\n" + "\n".join(citation_line(c) for c in news.citations)
    text = fit(head + "\n".join(lines), sources + "\n\n<i>/unfollow to stop</i>")
    buttons = [
        InlineKeyboardButton(f"[{c.n}]", callback_data=passage_data(c.hit.passage.id, stamp))
        for c in news.citations
    ]
    return Rendered(text, InlineKeyboardMarkup(rows_of(buttons)))


async def push(
    application: Application[Any, Any, Any, Any, Any, Any], chat_id: int, rendered: Rendered
) -> bool:
    """Sends what the chat asked to be sent unasked (news, a scheduled digest); True when sent.

    A chat the allowlists no longer let in, or that blocked the bot or is gone, is dropped with
    all its follows and digests.
    """
    data = application.bot_data
    if data.settings is not None and not data.settings.chat_allowed(chat_id):
        await asyncio.to_thread(data.follows.forget_chat, chat_id)
        return False
    try:
        await application.bot.send_message(chat_id, rendered.text, reply_markup=rendered.keyboard)
    except Forbidden:
        logger.info("chat %s blocked the bot: its follows and digests are dropped", chat_id)
        await asyncio.to_thread(data.follows.forget_chat, chat_id)
        return False
    except BadRequest as error:
        if "chat not found" not in error.message.lower():
            raise
        await asyncio.to_thread(data.follows.forget_chat, chat_id)
        return False
    return True


async def may_change(update: Update, context: Context) -> bool:
    """In groups only admins change what the chat follows or is sent: the bot's
    (``ADMIN_USER_IDS``) and the group's own administrators (asked of Telegram each time)."""
    chat, user, settings = update.effective_chat, update.effective_user, context.bot_data.settings
    assert chat is not None and settings is not None
    if chat.type == ChatType.PRIVATE or (user is not None and user.id in settings.admin_user_ids):
        return True
    if user is not None:
        try:
            member = await context.bot.get_chat_member(chat.id, user.id)
        except TelegramError as error:
            logger.info("cannot tell whether %s administers chat %s: %s", user.id, chat.id, error)
        else:
            if member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER):
                return True
    if update.effective_message is not None:
        await update.effective_message.reply_text(_GROUP_ADMINS)
    return False
