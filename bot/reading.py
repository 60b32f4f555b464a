"""A cited passage where it stands: the paragraphs around it, and the whole article by pages.

The index keeps no article text, only its passages; an article is read back from them in
order (paragraph, then offset). Quoted sentences are bold. Both views stay within Telegram's
4,096 characters: the context view drops what is farthest from the quoted sentences first
(the paragraphs around, then the rest of the passage's paragraph, then the passage's other
sentences), the quoted sentences never; the article is cut into pages that fit.
"""

from __future__ import annotations

import bisect
import html
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, article_data
from bot.marks import Cited, Marks, Span, marks_for
from bot.render import (
    MESSAGE_LIMIT,
    Rendered,
    article_line,
    fit,
    navigation,
    page_footer,
    shorten,
)
from index.records import Article, Passage
from index.store.folder import StoredIndex

PARAGRAPHS_PER_PAGE = 3
# Pages are measured as if every sentence were bold, so a page holds the same paragraphs
# whichever answer it is read from, and page numbers in buttons stay right.
_BOLD = len("<b></b>")
_GAP = "…"
_TIERS = ("the passage read", "the rest of its paragraph", "the paragraphs around")


@dataclass(frozen=True, slots=True)
class _Unit:
    """A sentence as shown: escaped, bold when quoted, and how readily it is dropped."""

    paragraph: int
    text: str
    tier: int  # an index into _TIERS
    anchor: bool  # never dropped


def article_passages(index: StoredIndex, source: str) -> list[Passage]:
    """The passages of one article in reading order."""
    return sorted(
        (p for p in index.passages if p.source == source), key=lambda p: (p.paragraph, p.start)
    )


def render_context(
    index: StoredIndex, passage_id: int, marks: Marks, answer_id: int, stamp: str
) -> Rendered:
    """Passage ``passage_id`` with the paragraphs before and after it, ``marks`` in bold, and
    a "Whole article" button opening the article at the page that holds the passage."""
    passage = index.passages[passage_id]
    article = index.articles[passage.source]
    passages = article_passages(index, passage.source)
    numbers = sorted({p.paragraph for p in passages})
    at = numbers.index(passage.paragraph)
    around = set(numbers[max(at - 1, 0) : at + 2])
    units = [
        _Unit(p.paragraph, text, tier, tier == 0 and (quoted or not marks.sentences))
        for p in passages
        if p.paragraph in around
        for tier in [0 if p.id == passage.id else 1 if p.paragraph == passage.paragraph else 2]
        for text, quoted in _sentences(p, marks.sentences if tier == 0 else ())
    ]
    page_number = article.page_at(passage.start)
    on_page = f" · p. {page_number}" if page_number is not None else ""
    head = _head(article, f"¶ {passage.paragraph} of {numbers[-1]}{on_page} · {_source(article)}")
    tail = f"\n\n<i>{html.escape(marks.note)}</i>" if marks.note else ""
    body = _assemble(units, _keep(units, MESSAGE_LIMIT - len(head) - len(tail)))
    pages = _paginate(article, passages)
    page = next(n for n, shown in enumerate(pages, 1) if any(p.id == passage_id for p in shown))
    button = InlineKeyboardButton(
        "Whole article", callback_data=article_data(answer_id, passage_id, page, stamp)
    )
    return Rendered(fit(head + body, tail), InlineKeyboardMarkup([[button]]))


def render_article_page(
    index: StoredIndex, passage_id: int, page: int, marks: Marks, answer_id: int, stamp: str
) -> Rendered:
    """Page ``page`` (from 1, clamped to the pages there are) of the article of passage
    ``passage_id``, with ``marks`` in bold in that passage, and "‹ Prev" / "Next ›"."""
    passage = index.passages[passage_id]
    article = index.articles[passage.source]
    pages = _paginate(article, article_passages(index, passage.source))
    page = min(max(page, 1), len(pages))
    previous = pages[page - 2][-1].paragraph if page > 1 else None
    blocks: list[tuple[int, list[str]]] = []
    for shown in pages[page - 1]:
        bold = marks.sentences if shown.id == passage.id else ()
        texts = [text for text, _ in _sentences(shown, bold)]
        if blocks and blocks[-1][0] == shown.paragraph:
            blocks[-1][1].extend(texts)
        else:
            label = _label(shown.paragraph, continued=shown.paragraph == previous)
            blocks.append((shown.paragraph, [label.rstrip(), *texts]))
    body = "\n\n".join(" ".join(texts) for _, texts in blocks)
    head = _head(article, _source(article))
    text = fit(head + body, page_footer(page, len(pages)))
    keyboard = navigation(
        page,
        len(pages),
        lambda to: article_data(answer_id, passage_id, to, stamp),
        ("‹ Prev", "Next ›"),
    )
    return Rendered(text, keyboard)


def render_reading(
    index: StoredIndex, pressed: Callback, cited: Sequence[Cited] | None
) -> Rendered:
    """What a ``context`` or ``article`` button shows, with the sentences its answer quotes
    (``cited``; None when the answer is forgotten) in bold. Reads vectors: call off the loop."""
    marks = marks_for(index, cited, pressed.passage)
    if pressed.kind == "context":
        return render_context(index, pressed.passage, marks, pressed.answer, pressed.stamp)
    return render_article_page(
        index, pressed.passage, pressed.page, marks, pressed.answer, pressed.stamp
    )


def _head(article: Article, where: str) -> str:
    return f"<b>{article_line(article)}</b>\n{where}\n\n"


def _source(article: Article) -> str:
    """The article's file name, escaped, shortened as titles are."""
    return html.escape(shorten(article.file), quote=False)


def _label(paragraph: int, continued: bool = False) -> str:
    return f"<i>¶ {paragraph}{', continued' if continued else ''}</i> "


def _sentences(passage: Passage, bold: Sequence[Span]) -> list[tuple[str, bool]]:
    """The passage cut before each sentence, as escaped HTML, bold where it overlaps ``bold``;
    with whether it does. Nothing of the passage's text is left out, whatever its sentences."""
    starts = {start for start, _ in passage.sentences if passage.start < start < passage.end}
    cuts = [passage.start, *sorted(starts), passage.end]
    pieces = []
    for start, end in itertools.pairwise(cuts):
        text = html.escape(passage.excerpt(start, end).strip(), quote=False)
        quoted = any(a < end and start < b for a, b in bold)
        if text:
            pieces.append((f"<b>{text}</b>" if quoted else text, quoted))
    return pieces


def _keep(units: list[_Unit], room: int) -> set[int]:
    """Which units fit in ``room`` characters: the anchors, then the rest nearest first (by
    tier, then by distance). A side of the anchors stops at its first misfit, and a misfit
    keeps every farther tier out: the paragraphs around go before the passage's own."""
    center = [i for i, u in enumerate(units) if u.anchor] or [
        i for i, u in enumerate(units) if u.tier == 0
    ]
    kept = {i for i, u in enumerate(units) if u.anchor}
    # Every paragraph shows at least its label and a gap mark, so none vanishes unannounced.
    spent = sum(_cost(units[i]) for i in kept)
    spent += sum(_label_cost(n) for n in {u.paragraph for u in units})

    def nearness(i: int) -> tuple[int, int]:
        at = bisect.bisect_left(center, i)
        return units[i].tier, min((abs(i - c) for c in center[max(at - 1, 0) : at + 1]), default=i)

    low, high = (center[0], center[-1]) if center else (len(units), -1)
    blocked: set[str] = set()
    ceiling = len(_TIERS)
    for i in sorted(set(range(len(units))) - kept, key=nearness):
        side = "before" if i < low else "after" if i > high else ""
        if side in blocked or units[i].tier > ceiling:
            continue
        if spent + _cost(units[i]) > room:
            if side:  # between two quoted sentences, a smaller one may still fit
                blocked.add(side)
            ceiling = min(ceiling, units[i].tier)
            continue
        kept.add(i)
        spent += _cost(units[i])
    return kept


def _cost(unit: _Unit) -> int:
    """The unit, the space after it and a gap mark that may follow it, with its space."""
    return len(unit.text) + 1 + len(_GAP) + 1


def _label_cost(paragraph: int) -> int:
    """The paragraph's label, a gap mark that may lead it and the blank line before it."""
    return len(_label(paragraph)) + len(_GAP) + 1 + 2


def _assemble(units: list[_Unit], kept: set[int]) -> str:
    """The kept units, paragraph by paragraph, with a gap mark where units were dropped."""
    blocks = []
    for paragraph, group in itertools.groupby(enumerate(units), key=lambda iu: iu[1].paragraph):
        parts: list[str] = []
        for i, unit in group:
            if i in kept:
                parts.append(unit.text)
            elif parts[-1:] != [_GAP]:
                parts.append(_GAP)
        blocks.append(_label(paragraph) + " ".join(parts))
    return "\n\n".join(blocks)


def _paginate(article: Article, passages: list[Passage]) -> list[list[Passage]]:
    """The article's pages: ``PARAGRAPHS_PER_PAGE`` paragraphs at most, fewer when they would
    not fit in one message; a paragraph too long for one page goes on over the next ones."""
    head = _head(article, _source(article))
    most = len(passages)
    room = MESSAGE_LIMIT - len(head) - len(page_footer(most, most))
    pages: list[list[Passage]] = []
    spent, paragraphs = 0, set[int]()
    for passage in passages:
        label = len(_label(passage.paragraph, continued=True)) + 2
        cost = sum(len(text) + 1 + _BOLD for text, _ in _sentences(passage, ())) + label
        full = len(paragraphs | {passage.paragraph}) > PARAGRAPHS_PER_PAGE
        if not pages or (pages[-1] and (spent + cost > room or full)):
            pages.append([])
            spent, paragraphs = 0, set()
        pages[-1].append(passage)
        spent += cost
        paragraphs.add(passage.paragraph)
    return pages
