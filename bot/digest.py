"""``/digest [today|week|all|DATE]``: the briefing's stories of a period, a page at a time.

Each story: its headline, when, in which languages and by whom it is told, one or two of its
sentences nearest its centre with citation numbers, and a button per citation (and per other
language's version) showing the passage (``index.answering.digest``).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction

from bot.callbacks import digest_data, passage_data
from bot.render import Rendered, citation_line, fit, navigation, page_footer, page_of, rows_of
from index.answering.answers import Citation
from index.answering.digest import Digest, Story, numbered
from index.records import Hit

if TYPE_CHECKING:
    from bot.state import Context

STORIES_PER_PAGE = 3
USAGE = (
    "Send /digest for the week up to the newest article, or /digest today, /digest all, "
    "/digest 2026-03-12."
)


async def digest_command(update: Update, context: Context) -> None:
    """``/digest [period]``: the first page of the period's stories."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    service = context.bot_data.service
    assert message is not None and chat is not None and service is not None
    await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    language = (user.language_code if user is not None else None) or "en"
    digest = await service.digest(" ".join(context.args or []), language[:2])
    if digest is None:
        await message.reply_text(USAGE)
        return
    rendered = render_digest(digest, 1, service.stamp)
    await message.reply_text(rendered.text, reply_markup=rendered.keyboard)


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
    sentences = " ".join(f"{html.escape(_quoted(c))} [{c.n}]" for c in story.summary)
    return (
        f"<b>{rank}. {html.escape(story.headline)}</b>\n"
        f"<i>{html.escape(when)} · {languages} · {by}</i>\n{sentences}"
    )


def _quoted(citation: Citation) -> str:
    passage = citation.hit.passage
    return " ".join(" ".join(passage.excerpt(*s).split()) for s in citation.sentences)
