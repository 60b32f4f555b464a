"""Answers and listings as Telegram HTML: escaped, within Telegram's limits, with buttons."""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from index.answering.answers import Answer, Citation
from index.records import Article, Hit
from index.store.folder import StoredIndex

MESSAGE_LIMIT = 4096
RESULTS_PER_PAGE = 3
SOURCES_PER_PAGE = 8
# A title line may be one very long word; three of them must still leave room for an answer.
TITLE_SHOWN = 120
_ROW = 8  # Telegram shows at most 8 buttons in a row
_BUTTON_TEXT = 24
_SPEAKER = re.compile(r"\b([A-Z][a-z]+(?: [A-Z][a-z]+)?) (?:said|says|stated|told|added)\b")
_SENTENCE_END = re.compile(r"(?<=[.!?…»”\"])\s")


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready to send."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None


def article_line(article: Article) -> str:
    """Title (shortened to ``TITLE_SHOWN`` characters) and date, escaped."""
    title = article.title
    if len(title) > TITLE_SHOWN:
        title = title[: TITLE_SHOWN - 1].rstrip() + "…"
    date = f", {article.date}" if article.date else ""
    return f"{html.escape(title)}{html.escape(date)}"


def citation_line(citation: Citation) -> str:
    """``[1] Title, date, ¶ 6``, and ``· also in: FR, DE`` when the story has versions."""
    hit = citation.hit
    line = f"[{citation.n}] {article_line(hit.article)}, ¶ {hit.passage.paragraph}"
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
    rows = [row[i : i + _ROW] for row in rows for i in range(0, len(row), _ROW)]
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


def render_results_page(hits: list[Hit], page: int, answer_id: int, stamp: str) -> Rendered:
    """Page ``page`` (from 1, clamped to the pages there are) of the further passages found."""
    pages = max(1, -(-len(hits) // RESULTS_PER_PAGE))
    page = min(max(page, 1), pages)
    first = (page - 1) * RESULTS_PER_PAGE
    shown = hits[first : first + RESULTS_PER_PAGE]
    blocks = [
        f"<b>{first + i + 1}.</b> {article_line(hit.article)}, ¶ {hit.passage.paragraph}\n"
        f"{html.escape(hit.passage.text)}"
        for i, hit in enumerate(shown)
    ]
    text = fit("\n\n".join(blocks), f"\n\n<i>Page {page} of {pages}</i>")
    navigation = []
    if page > 1:
        navigation.append(
            InlineKeyboardButton("‹ Back", callback_data=more_data(answer_id, page - 1, stamp))
        )
    if page < pages:
        navigation.append(
            InlineKeyboardButton("More ›", callback_data=more_data(answer_id, page + 1, stamp))
        )
    return Rendered(text, InlineKeyboardMarkup([navigation]) if navigation else None)


def render_passage(index: StoredIndex, passage_id: int) -> str:
    """One passage in full, with its article's title and date."""
    passage = index.passages[passage_id]
    article = index.articles[passage.source]
    head = f"<b>{article_line(article)}</b>\n¶ {passage.paragraph} · {html.escape(passage.source)}"
    return fit(f"{head}\n\n{html.escape(passage.text)}", "")


def render_sources(index: StoredIndex, page: int, stamp: str) -> Rendered:
    """Page ``page`` (from 1) of the briefing's articles."""
    articles = list(index.articles.values())
    pages = max(1, -(-len(articles) // SOURCES_PER_PAGE))
    page = min(max(page, 1), pages)
    first = (page - 1) * SOURCES_PER_PAGE
    lines = [
        f"{first + i + 1}. {article_line(a)} <i>({html.escape(a.language)})</i>"
        for i, a in enumerate(articles[first : first + SOURCES_PER_PAGE])
    ]
    text = f"<b>Articles in the briefing</b> ({len(articles)})\n" + "\n".join(lines)
    navigation = []
    if page > 1:
        navigation.append(
            InlineKeyboardButton("‹ Back", callback_data=sources_data(page - 1, stamp))
        )
    if page < pages:
        navigation.append(
            InlineKeyboardButton("More ›", callback_data=sources_data(page + 1, stamp))
        )
    return Rendered(fit(text, ""), InlineKeyboardMarkup([navigation]) if navigation else None)


def example_questions(index: StoredIndex, count: int = 3) -> list[str]:
    """Questions the briefing can answer: what its most quoted people said, then its topics."""
    speakers = Counter(
        match.group(1).split()[-1] for p in index.passages for match in _SPEAKER.finditer(p.text)
    )
    questions = [f"What did {name} say?" for name, _ in speakers.most_common(count)]
    for article in index.articles.values():
        if len(questions) >= count:
            break
        questions.append(f"What does the briefing say about “{article.title}”?")
    return questions[:count]


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


# callback_data: at most 64 bytes, checked on the way back. The stamp ties a button to the
# index it was made from; a rebuilt index makes old buttons stale rather than wrong. Other
# modules' buttons use other prefixes (f:, t:). The longest, a:, takes 2 + 12 + 1 + 9 + 1 + 6 +
# 1 + 8 = 40 bytes.
def passage_data(passage_id: int, stamp: str) -> str:
    """The data of a passage button: passage ``passage_id`` of the index ``stamp``. Answers
    made before context views had these; they still show the passage."""
    return f"p:{passage_id}:{stamp}"


def context_data(answer_id: int, passage_id: int, stamp: str) -> str:
    """The data of a button showing passage ``passage_id`` in context, its sentences quoted
    by answer ``answer_id`` in bold."""
    return f"c:{answer_id}:{passage_id}:{stamp}"


def article_data(answer_id: int, passage_id: int, page: int, stamp: str) -> str:
    """The data of a button to page ``page`` of the article of passage ``passage_id``."""
    return f"a:{answer_id}:{passage_id}:{page}:{stamp}"


def more_data(answer_id: int, page: int, stamp: str) -> str:
    """The data of a button to page ``page`` of answer ``answer_id``'s further passages."""
    return f"m:{answer_id}:{page}:{stamp}"


def sources_data(page: int, stamp: str) -> str:
    """The data of a button to page ``page`` of the article list."""
    return f"s:{page}:{stamp}"


# Only what the functions above write: ASCII digits without leading zeros, answers and pages
# from 1, nothing before or after (not even the newline a ``$`` would let through).
_ANSWER, _PASSAGE, _PAGE = "[1-9][0-9]{0,11}", "(?:0|[1-9][0-9]{0,8})", "[1-9][0-9]{0,5}"
_CALLBACK = re.compile(
    rf"(?:p:(?P<passage>{_PASSAGE})"
    rf"|m:(?P<answer>{_ANSWER}):(?P<page>{_PAGE})"
    rf"|s:(?P<sources>{_PAGE})"
    rf"|c:(?P<c_answer>{_ANSWER}):(?P<c_passage>{_PASSAGE})"
    rf"|a:(?P<a_answer>{_ANSWER}):(?P<a_passage>{_PASSAGE}):(?P<a_page>{_PAGE}))"
    r":(?P<stamp>[0-9a-f]{8})"
)


@dataclass(frozen=True, slots=True)
class Callback:
    """A parsed button press.

    Attributes:
        kind: What the button does.
        number: The passage id (``passage``), the answer id (``more``, ``context``,
            ``article``), or 0 (``sources``).
        page: From 1 (``more``, ``sources``, ``article``), else 0.
        stamp: The index the button was made from.
        passage: The passage ``context`` and ``article`` show, else 0.
    """

    kind: Literal["passage", "more", "sources", "context", "article"]
    number: int
    page: int
    stamp: str
    passage: int = 0


def parse_callback(data: str | None) -> Callback | None:
    """The button a callback_data stands for; None for anything this bot did not make."""
    match = _CALLBACK.fullmatch(data or "")
    if match is None:
        return None
    stamp = match["stamp"]
    if match["passage"]:
        return Callback("passage", int(match["passage"]), 0, stamp)
    if match["answer"]:
        return Callback("more", int(match["answer"]), int(match["page"]), stamp)
    if match["c_answer"]:
        return Callback("context", int(match["c_answer"]), 0, stamp, int(match["c_passage"]))
    if match["a_answer"]:
        page, passage = int(match["a_page"]), int(match["a_passage"])
        return Callback("article", int(match["a_answer"]), page, stamp, passage)
    return Callback("sources", 0, int(match["sources"]), stamp)
