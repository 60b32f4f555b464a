"""Answers and listings as Telegram HTML: escaped, within Telegram's limits, with buttons."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import context_data, more_data, sources_data
from index.answering.answers import Answer, Citation
from index.articles.ingest import SkippedFile
from index.records import Article, Hit
from index.store.folder import StoredIndex

MESSAGE_LIMIT = 4096
RESULTS_PER_PAGE = 3
SOURCES_PER_PAGE = 8
# A title line may be one very long word; three of them must still leave room for an answer.
TITLE_SHOWN = 120
_ROW = 8  # Telegram shows at most 8 buttons in a row
_BUTTON_TEXT = 24
_SENTENCE_END = re.compile(r"(?<=[.!?…»”\"])\s")


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready to send."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None


def shorten(text: str, limit: int = TITLE_SHOWN) -> str:
    """``text`` in at most ``limit`` characters, an ellipsis where it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def skipped_lines(skipped: Sequence[SkippedFile], shown: int = 5) -> str:
    """The files a build skipped and why, the first ``shown`` of them, escaped."""
    lines = [
        f"\n• {html.escape(shorten(skip.source, 60))}: {html.escape(shorten(skip.reason, 200))}"
        for skip in skipped[:shown]
    ]
    more = f"\n… and {len(skipped) - shown} more (the build's log lists them)"
    return (
        ("\n\nSkipped:" + "".join(lines) + (more if len(skipped) > shown else "")) if lines else ""
    )


def rows_of(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    """The buttons in rows of at most ``_ROW``."""
    return [buttons[i : i + _ROW] for i in range(0, len(buttons), _ROW)]


def article_line(article: Article) -> str:
    """Title (shortened to ``TITLE_SHOWN`` characters) and date, escaped; the title links to
    the article online when it has an address (a feed entry, a web page)."""
    date = f", {article.date}" if article.date else ""
    title = html.escape(shorten(article.title))
    if article.link and article.link.startswith(("https://", "http://")):
        title = f'<a href="{html.escape(article.link)}">{title}</a>'
    return f"{title}{html.escape(date)}"


@dataclass(frozen=True, slots=True)
class Page:
    """Which page of a listing is shown: its number (from 1), how many there are, where it
    starts in the listing."""

    number: int
    count: int
    first: int


def page_of(total: int, per_page: int, wanted: int) -> Page:
    """Page ``wanted`` (from 1, clamped to the pages there are) of ``total`` items."""
    count = max(1, -(-total // per_page))
    number = min(max(wanted, 1), count)
    return Page(number, count, (number - 1) * per_page)


def page_footer(page: int, pages: int) -> str:
    """``Page 2 of 5`` under a page of a listing."""
    return f"\n\n<i>Page {page} of {pages}</i>"


def navigation(
    page: int,
    pages: int,
    data_of: Callable[[int], str],
    labels: tuple[str, str] = ("‹ Back", "More ›"),
) -> InlineKeyboardMarkup | None:
    """Buttons to the page before and after ``page``, where there is one; ``data_of`` makes a
    page's callback_data."""
    row = [
        InlineKeyboardButton(label, callback_data=data_of(to))
        for label, to in zip(labels, (page - 1, page + 1), strict=True)
        if 1 <= to <= pages
    ]
    return InlineKeyboardMarkup([row]) if row else None


def citation_line(citation: Citation) -> str:
    """``[1] Title, date, ¶ 6`` (``, p. 3`` for a PDF), and ``· also in: FR, DE`` when the
    story has versions."""
    hit = citation.hit
    line = f"[{citation.n}] {article_line(hit.article)}, ¶ {hit.passage.paragraph}"
    if hit.page is not None:
        line += f", p. {hit.page}"
    if citation.versions:
        codes = ", ".join(html.escape(_language_code(v)) for v in citation.versions)
        line += f" · also in: {codes}"
    return line


def _language_code(version: Hit) -> str:
    """What a version is shown by: its article's language, upper-case (``FR``)."""
    return version.article.language.upper()[:_BUTTON_TEXT]


def render_answer(answer: Answer, answer_id: int, stamp: str) -> Rendered:
    """The answer, its sources, a button per citation and per version of one, and "More"
    when there is more. Citation and version buttons open the passage in context."""
    body = html.escape(answer.text)
    if not answer.found:
        body = f"<i>{body}</i>"
    sources = "\n".join(citation_line(c) for c in answer.citations)
    text = fit(body, f"\n\n<b>Sources</b>\n{sources}" if sources else "")
    rows = [_citation_buttons(c, answer_id, stamp) for c in answer.citations]
    if not any(c.versions for c in answer.citations):
        rows = [[button for row in rows for button in row]]  # [1] [2] [3] in one row
    rows = [part for row in rows for part in rows_of(row)]
    if len(answer.hits) > len(answer.citations):
        rows.append([InlineKeyboardButton("More", callback_data=more_data(answer_id, 1, stamp))])
    return Rendered(text, InlineKeyboardMarkup(rows) if rows else None)


def _citation_buttons(citation: Citation, answer_id: int, stamp: str) -> list[InlineKeyboardButton]:
    """``[1]``, then ``[1] FR``, ``[1] DE`` for the story told in other articles."""
    passage_id = citation.hit.passage.id
    own = InlineKeyboardButton(
        f"[{citation.n}]", callback_data=context_data(answer_id, passage_id, stamp)
    )
    return [own] + [
        InlineKeyboardButton(
            f"[{citation.n}] {_language_code(version)}",
            callback_data=context_data(answer_id, version.passage.id, stamp),
        )
        for version in citation.versions
    ]


def render_results_page(
    index: StoredIndex, passage_ids: Sequence[int], page: int, answer_id: int, stamp: str
) -> Rendered:
    """Page ``page`` (from 1, clamped to the pages there are) of an answer's further passages."""
    shown = page_of(len(passage_ids), RESULTS_PER_PAGE, page)
    blocks = []
    for n, passage_id in enumerate(passage_ids[shown.first : shown.first + RESULTS_PER_PAGE]):
        passage = index.passages[passage_id]
        article = index.articles[passage.source]
        blocks.append(
            f"<b>{shown.first + n + 1}.</b> {article_line(article)}, ¶ {passage.paragraph}\n"
            f"{html.escape(passage.text)}"
        )
    text = fit("\n\n".join(blocks), page_footer(shown.number, shown.count))
    keyboard = navigation(shown.number, shown.count, lambda to: more_data(answer_id, to, stamp))
    return Rendered(text, keyboard)


def render_passage(index: StoredIndex, passage_id: int) -> str:
    """One passage in full, with its article's title and date."""
    passage = index.passages[passage_id]
    article = index.articles[passage.source]
    head = f"<b>{article_line(article)}</b>\n¶ {passage.paragraph} · {html.escape(passage.source)}"
    return fit(f"{head}\n\n{html.escape(passage.text)}", "")


def render_sources(index: StoredIndex, page: int, stamp: str) -> Rendered:
    """Page ``page`` (from 1) of the briefing's articles."""
    articles = list(index.articles.values())
    shown = page_of(len(articles), SOURCES_PER_PAGE, page)
    lines = [
        f"{shown.first + i + 1}. {article_line(a)} <i>({html.escape(a.language)})</i>"
        for i, a in enumerate(articles[shown.first : shown.first + SOURCES_PER_PAGE])
    ]
    text = f"<b>Articles in the briefing</b> ({len(articles)})\n" + "\n".join(lines)
    keyboard = navigation(shown.number, shown.count, lambda to: sources_data(to, stamp))
    return Rendered(fit(text, ""), keyboard)


def fit(body: str, tail: str, limit: int = MESSAGE_LIMIT) -> str:
    """``body + tail`` within ``limit`` characters, ``body`` cut after a sentence if need be.

    The cut falls between sentences of escaped text, never inside a tag or an entity, and the
    tags left open are closed within the limit.
    """
    if len(body) + len(tail) <= limit:
        return body + tail
    room = limit - len(tail) - len(" …")
    while True:
        trimmed = _cut(body, room)
        closing = "".join(f"</{tag}>" for tag in reversed(_open_tags(trimmed)))
        if len(trimmed) + len(closing) <= room or not closing:
            return f"{trimmed} …{closing}{tail}"
        room -= len(closing)


def _cut(body: str, room: int) -> str:
    """At most ``room`` characters of ``body``: after a sentence, else a word, else anywhere
    but inside a tag or an entity."""
    if room <= 0:
        return ""
    cut = max((m.start() for m in _SENTENCE_END.finditer(body, 0, room)), default=-1)
    if cut <= 0:
        cut = body.rfind(" ", 0, room)
    trimmed = body[: cut if cut > 0 else room]
    for opening, closing in (("&", ";"), ("<", ">")):  # escaped text has no other & or <
        if trimmed.rfind(opening) > trimmed.rfind(closing):
            trimmed = trimmed[: trimmed.rfind(opening)]
    return trimmed


def _open_tags(text: str) -> list[str]:
    stack: list[str] = []
    for match in re.finditer(r"<(/?)([a-z]+)[^>]*>", text):
        if match.group(1):
            if stack and stack[-1] == match.group(2):
                stack.pop()
        else:
            stack.append(match.group(2))
    return stack
