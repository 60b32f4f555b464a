"""``/timeline name or topic``: the briefing's passages on it in date order, one line each.

A line is the date the passage tells of ("undated" when neither it nor its article gives one),
the sentence that names the topic, and a citation number; the numbered sources follow, and a
button per citation shows the passage. A timeline too long for one message loses lines at its
end (the undated first), never half a line.
"""

from __future__ import annotations

import calendar
import html
from datetime import date
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction

from bot.callbacks import passage_data
from bot.render import MESSAGE_LIMIT, Rendered, citation_line, fit, rows_of, shorten
from index.answering.answers import Citation
from index.articles.dates import DateRange
from index.retrieval.question import clean_question
from index.retrieval.timeline import TimelineEntry

if TYPE_CHECKING:
    from bot.state import Context

MAX_TOPIC = 200
TOPIC_SHOWN = 80
USAGE = (
    "Send /timeline followed by a name or topic, e.g. <i>/timeline Lavrov</i>: I list what "
    "the briefing says of it in date order, with citations."
)
# In English whatever the locale (calendar.month_name follows it).
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def when_text(when: DateRange | None) -> str:
    """``22 December 2017``, ``May 2015``, ``2015``, a span of days, or ``undated``."""
    if when is None:
        return "undated"
    start, end = when.start, when.end
    if start == end:
        return _day(start)
    last_day = calendar.monthrange(start.year, start.month)[1]
    if start.day == 1 and end == start.replace(day=last_day):
        return f"{_MONTHS[start.month - 1]} {start.year}"
    if (start.month, start.day) == (1, 1) and end == date(start.year, 12, 31):
        return str(start.year)
    return f"{_day(start)} – {_day(end)}"


def _day(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def render_timeline(topic: str, entries: list[TimelineEntry], stamp: str) -> Rendered:
    """The timeline in one message: the lines that fit, their sources, a button per citation;
    without entries, that the briefing has nothing on the topic."""
    shown_topic = html.escape(shorten(topic, TOPIC_SHOWN))
    if not entries:
        return Rendered(
            f"The briefing has nothing on <i>{shown_topic}</i>. /sources lists its articles."
        )
    head = f"<b>Timeline: {shown_topic}</b>\n"
    lines = [
        f"<b>{when_text(e.when)}</b> · {html.escape(e.hit.passage.excerpt(*e.sentence))} [{n}]"
        for n, e in enumerate(entries, 1)
    ]
    sources = [citation_line(Citation(n, e.hit, (e.sentence,))) for n, e in enumerate(entries, 1)]
    count = len(entries)
    while count > 1 and len(_text(head, lines, sources, count)) > MESSAGE_LIMIT:
        count -= 1
    text = _text(head, lines, sources, count)
    if len(text) > MESSAGE_LIMIT:  # one sentence longer than a message: only it is cut
        text = fit(head + lines[0], _text("", [], sources, 1, len(entries) - 1))
    buttons = [
        InlineKeyboardButton(f"[{n}]", callback_data=passage_data(e.hit.passage.id, stamp))
        for n, e in enumerate(entries[:count], 1)
    ]
    return Rendered(text, InlineKeyboardMarkup(rows_of(buttons)))


def _text(
    head: str, lines: list[str], sources: list[str], count: int, left: int | None = None
) -> str:
    """The first ``count`` lines and their sources, with how many more were left out."""
    left = len(lines) - count if left is None else left
    body = head + "\n".join(lines[:count])
    more = f"\n<i>{left} more not shown</i>" if left else ""
    return f"{body}{more}\n\n<b>Sources</b>\n" + "\n".join(sources[:count])


async def timeline_command(update: Update, context: Context) -> None:
    """``/timeline name or topic``: the passages on it in date order, each with its citation."""
    message, chat = update.effective_message, update.effective_chat
    service = context.bot_data.service
    assert message is not None and chat is not None and service is not None
    topic = _topic(context.args or [])
    if not any(char.isalnum() for char in topic):
        await message.reply_text(USAGE)
        return
    if len(topic) > MAX_TOPIC:
        await message.reply_text(
            f"Please name the topic in under {MAX_TOPIC} characters, e.g. /timeline Lavrov"
        )
        return
    await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    entries = await service.timeline(topic)
    rendered = render_timeline(topic, entries, service.stamp)
    await message.reply_text(rendered.text, reply_markup=rendered.keyboard)


def _topic(words: list[str]) -> str:
    """The topic cleaned as a question is (invisible characters hide inside names)."""
    return clean_question(" ".join(words))
