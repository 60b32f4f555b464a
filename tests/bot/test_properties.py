"""Properties of what the bot renders and the buttons it makes, for any text.

Replies are checked with the stand-in's own port of Telegram's HTML rules (``format_text``),
the rule every end-to-end test is held to: valid HTML, non-empty, at most 4096 characters.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.callbacks import Callback, parse_callback
from bot.marks import EXPIRED, Marks
from bot.reading import render_article_page, render_context
from bot.render import (
    MESSAGE_LIMIT,
    Rendered,
    render_answer,
    render_passage,
    render_results_page,
    render_sources,
)
from index.answering.answers import NOT_COVERED, Answer, Citation
from index.records import Article, Hit, Passage
from tests.support.botapi import MAX_CALLBACK_DATA, format_text

_SETTINGS = settings(max_examples=100, deadline=None)
_TRICKY = [
    "<", ">", "&", "&amp;", "&lt", "&#x27;", "<b>", "</i>", "<a href='x'>", '"', "'", ";",
    "\x00", "\r", "\n", "\n\n", " ", ". ", "… ", "» ", "\u202e", "\u200b", "\u2028", "\ufeff",
    "🎉", "👨‍👩‍👧", "\u0301", "Zakharova said", "ё", "外交部", "[1]",
]  # fmt: skip
_any_text = st.lists(
    st.one_of(
        st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
        st.sampled_from(_TRICKY),
        st.builds(  # long enough to need cutting, with and without places to cut
            str.__mul__,
            st.sampled_from(["Ab cd. ", "word ", "x" * 40, "外交部说。", "&<>", "\u202e "]),
            st.integers(20, 900),
        ),
    ),
    max_size=12,
).map("".join)
_content = _any_text.filter(lambda text: text.strip() != "")  # as chunking leaves passages
_stamp = st.text("0123456789abcdef", min_size=8, max_size=8)


@st.composite
def _hits(draw: st.DrawFn, max_size: int = 8) -> list[Hit]:
    articles = draw(
        st.lists(
            st.builds(
                Article,
                source=_content,
                title=_content,
                date=st.none() | st.sampled_from(["2018-05-26", "2018-05", "--05-26"]),
                agency=st.none(),
                language=st.sampled_from(["en", "ru", "de", "zh"]),
                sha256=st.just("0" * 64),
            ),
            min_size=1,
            max_size=3,
        )
    )
    texts = draw(st.lists(_content, max_size=max_size))
    return [
        Hit(
            Passage(n, articles[n % len(articles)].source, n + 1, 0, len(text), text),
            articles[n % len(articles)],
            score=0.5,
        )
        for n, text in enumerate(texts)
    ]


@dataclass(frozen=True)
class _Briefing:
    """What render_passage and render_sources read of a StoredIndex."""

    articles: dict[str, Article]
    passages: list[Passage]


def _briefing(hits: list[Hit]) -> _Briefing:
    return _Briefing({hit.article.source: hit.article for hit in hits}, [h.passage for h in hits])


def _assert_telegram_accepts(text: str) -> None:
    assert len(text) <= MESSAGE_LIMIT
    plain, _ = format_text(text, "HTML")  # raises the ApiError Telegram would answer
    assert plain


def _assert_buttons_round_trip(rendered: Rendered, stamp: str) -> list[Callback]:
    """Every button's data fits Telegram's 64 bytes and parses back to what it encodes."""
    pressed = []
    for row in rendered.keyboard.inline_keyboard if rendered.keyboard else ():
        for button in row:
            data = str(button.callback_data)
            assert 1 <= len(data.encode()) <= MAX_CALLBACK_DATA
            parsed = parse_callback(data)
            assert parsed is not None and parsed.stamp == stamp and parsed.data == data
            pressed.append(parsed)
    return pressed


@_SETTINGS
@given(
    question=_any_text,
    sentences=st.lists(_any_text, max_size=4),
    hits=_hits(),
    found=st.booleans(),
    answer_id=st.integers(1, 10**12 - 1),
    stamp=_stamp,
    told_elsewhere=st.lists(st.integers(0, 7), max_size=3),
)
@example(  # three citations of articles whose title line is one very long word
    question="?",
    sentences=["A.", "B.", "C."],
    hits=[
        Hit(
            Passage(n, "a.txt", 1, 0, 2, "A."),
            Article("a.txt", "x" * 5000, None, None, "en", ""),
            1,
        )
        for n in range(3)
    ],
    found=True,
    answer_id=1,
    stamp="0123abcd",
    told_elsewhere=[2, 2, 2],
)
def test_an_answer_is_valid_telegram_html_within_the_limit(
    question: str,
    sentences: list[str],
    hits: list[Hit],
    found: bool,
    answer_id: int,
    stamp: str,
    told_elsewhere: list[int],
) -> None:
    """Also with versions: the n-th citation has the hits after the cited ones as versions,
    ``told_elsewhere[n]`` of them."""
    cited, rest = hits[: len(sentences)], hits[len(sentences) :]
    versions = [tuple(rest[:count]) for count in [*told_elsewhere, *[0] * len(cited)]]
    citations = tuple(
        Citation(n, hit, ((0, 1),), versions[n - 1]) for n, hit in enumerate(cited, 1)
    )
    text = " ".join(f"{s} [{c.n}]" for s, c in zip(sentences, citations, strict=False))
    answer = Answer(question, found, text or NOT_COVERED, citations, tuple(hits))
    rendered = render_answer(answer, answer_id, stamp)
    _assert_telegram_accepts(rendered.text)
    pressed = _assert_buttons_round_trip(rendered, stamp)
    assert [p.passage for p in pressed if p.kind == "context"] == [
        hit.passage.id for c in citations for hit in (c.hit, *c.versions)
    ]
    assert {p.answer for p in pressed if p.kind == "context"} <= {answer_id}
    for c in citations:
        if c.versions:
            codes = ", ".join(html.escape(v.article.language.upper()) for v in c.versions)
            assert f"also in: {codes}" in rendered.text
    assert [p.answer for p in pressed if p.kind == "more"] == (
        [answer_id] if len(hits) > len(citations) else []
    )


@_SETTINGS
@given(hits=_hits(max_size=12), page=st.integers(-3, 8), answer_id=st.integers(1, 10**12 - 1))
def test_a_results_page_is_valid_and_its_buttons_lead_to_real_pages(
    hits: list[Hit], page: int, answer_id: int
) -> None:
    further = [hit.passage.id for hit in hits]
    rendered = render_results_page(_briefing(hits), further, page, answer_id, "0123abcd")  # type: ignore[arg-type]
    _assert_telegram_accepts(rendered.text)
    pages = max(1, -(-len(hits) // 3))
    for pressed in _assert_buttons_round_trip(rendered, "0123abcd"):
        assert pressed.kind == "more" and pressed.answer == answer_id
        assert 1 <= pressed.page <= pages


@_SETTINGS
@given(hits=_hits(max_size=4).filter(bool), data=st.data())
def test_a_passage_is_valid_telegram_html_within_the_limit(
    hits: list[Hit], data: st.DataObject
) -> None:
    passage_id = data.draw(st.integers(0, len(hits) - 1))
    _assert_telegram_accepts(render_passage(_briefing(hits), passage_id))  # type: ignore[arg-type]


@_SETTINGS
@given(hits=_hits(max_size=30), page=st.integers(-3, 8), stamp=_stamp)
def test_the_sources_list_is_valid_and_its_buttons_lead_to_real_pages(
    hits: list[Hit], page: int, stamp: str
) -> None:
    briefing = _briefing(hits)
    rendered = render_sources(briefing, page, stamp)  # type: ignore[arg-type]
    _assert_telegram_accepts(rendered.text)
    pages = max(1, -(-len(briefing.articles) // 8))
    for pressed in _assert_buttons_round_trip(rendered, stamp):
        assert pressed.kind == "sources" and 1 <= pressed.page <= pages


Span = tuple[int, int]
_sentence = (
    st.lists(  # as _any_text, but shorter: an article holds dozens
        st.one_of(
            st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30),
            st.sampled_from(_TRICKY),
            st.builds(
                str.__mul__,
                st.sampled_from(["Ab cd. ", "word ", "x" * 40, "外交部说。", "&<>", "\u202e "]),
                st.integers(20, 300),
            ),
        ),
        min_size=1,
        max_size=3,
    )
    .map("".join)
    .filter(lambda text: text.strip() != "")
)
_WORDS = "said met denied talks on cyber security in May".split()
_tame = st.builds(  # a plain sentence, long enough that the paragraphs around often get cut
    lambda head, length, seed: (
        " ".join([head, *(_WORDS[(seed + 7 * k) % len(_WORDS)] for k in range(length))]) + "."
    ),
    st.sampled_from(["Lavrov", "The envoy", "Berlin", "Sources"]),
    st.integers(40, 200),
    st.integers(0, len(_WORDS) - 1),
)


@st.composite
def _article(
    draw: st.DrawFn, sentence: st.SearchStrategy[str] = _sentence, numbered: bool = False
) -> tuple[_Briefing, int, tuple[Span, ...]]:
    """An article as the index keeps it, with real offsets: paragraphs of passages of
    sentences (a long paragraph is several passages); a passage of it, and quoted sentences
    of that passage. ``numbered`` sentences start with ``S0``, ``S1``… in reading order."""
    paragraphs = draw(
        st.lists(
            st.lists(st.lists(sentence, min_size=1, max_size=5), min_size=1, max_size=3),
            min_size=1,
            max_size=8,
        )
    )
    article = Article(draw(sentence), draw(sentence), None, None, "en", "0" * 64)
    text, passages, count = "", [], 0
    for number, paragraph in enumerate(paragraphs, 1):
        for sentences in paragraph:
            start, spans = len(text), []
            for one in sentences:
                one, count = (f"S{count} {one}" if numbered else one), count + 1
                spans.append((len(text), len(text) + len(one)))
                text += one + " "
            end = len(text) - 1
            passages.append(
                Passage(
                    len(passages), article.source, number, start, end, text[start:end], tuple(spans)
                )
            )
        text += "\n\n"
    read = draw(st.sampled_from(passages))
    quoted = draw(st.lists(st.sampled_from(read.sentences), unique=True, max_size=4))
    return _Briefing({article.source: article}, passages), read.id, tuple(sorted(quoted))


def _quoted_html(briefing: _Briefing, passage_id: int, quoted: tuple[Span, ...]) -> list[str]:
    """How each quoted sentence shows, bold, in the message (those that are not blank)."""
    passage = briefing.passages[passage_id]
    texts = [html.escape(passage.excerpt(a, b).strip(), quote=False) for a, b in quoted]
    return [f"<b>{text}</b>" for text in texts if text]


def _pages(rendered: Rendered) -> tuple[int, int]:
    found = re.search(r"<i>Page ([0-9]+) of ([0-9]+)</i>$", rendered.text)
    assert found is not None
    return int(found[1]), int(found[2])


@_SETTINGS
@given(
    read=_article(),
    note=st.sampled_from([None, EXPIRED.note, "The same story as [3]: in bold, the closest."]),
    answer_id=st.integers(1, 10**12 - 1),
)
def test_a_passage_in_context_is_valid_and_keeps_its_quoted_sentences(
    read: tuple[_Briefing, int, tuple[Span, ...]], note: str | None, answer_id: int
) -> None:
    briefing, passage_id, quoted = read
    marks = Marks(quoted, note)
    rendered = render_context(briefing, passage_id, marks, answer_id, "0123abcd")  # type: ignore[arg-type]
    _assert_telegram_accepts(rendered.text)
    [pressed] = _assert_buttons_round_trip(rendered, "0123abcd")
    assert (pressed.kind, pressed.answer, pressed.passage) == ("article", answer_id, passage_id)
    page = render_article_page(briefing, passage_id, pressed.page, marks, answer_id, "0123abcd")  # type: ignore[arg-type]
    assert _pages(page)[0] == pressed.page  # the page the button opens exists
    bold = _quoted_html(briefing, passage_id, quoted)
    if sum(len(text) + 4 for text in bold) < 2500:  # they fit: they are never cut
        assert all(text in rendered.text for text in bold)


@_SETTINGS
@given(read=_article(_tame, numbered=True), answer_id=st.integers(1, 10**12 - 1))
def test_the_quoted_sentences_stay_and_the_far_ones_go_first(
    read: tuple[_Briefing, int, tuple[Span, ...]], answer_id: int
) -> None:
    """With plain sentences: the quoted sentences are shown, and on each side of them an
    unbroken run of the sentences nearest them; a sentence of the rest of the paragraph only
    once the passage is whole, of the paragraphs around only once its paragraph is; all of
    it, without gaps, when it fits."""
    briefing, passage_id, quoted = read
    rendered = render_context(briefing, passage_id, Marks(quoted), answer_id, "0123abcd")  # type: ignore[arg-type]
    _assert_telegram_accepts(rendered.text)
    assert all(text in rendered.text for text in _quoted_html(briefing, passage_id, quoted))
    read_passage = briefing.passages[passage_id]
    numbers = sorted({p.paragraph for p in briefing.passages})
    at = numbers.index(read_passage.paragraph)
    around = numbers[max(at - 1, 0) : at + 2]
    sentences = [  # (tier, quoted, text) in reading order
        (
            0 if p.id == passage_id else 1 if p.paragraph == read_passage.paragraph else 2,
            p.id == passage_id and (not quoted or (a, b) in quoted),
            p.excerpt(a, b),
        )
        for p in briefing.passages
        if p.paragraph in around
        for a, b in p.sentences
    ]
    body = rendered.text.split("\n\n", 1)[1]  # after the title and file name
    shown = [f"{text.split()[0]} " in body for _, _, text in sentences]
    anchors = [i for i, (_, anchor, _) in enumerate(sentences) if anchor]
    first, last = shown.index(True), len(shown) - shown[::-1].index(True)
    assert all(shown[first : anchors[0]]) and all(shown[anchors[-1] : last]), "unbroken runs"
    for tier in (1, 2):
        if any(shown[i] for i, (t, _, _) in enumerate(sentences) if t == tier):
            assert all(shown[i] for i, (t, _, _) in enumerate(sentences) if t < tier)
    if all(shown):
        assert "…" not in body and all(text in body for _, _, text in sentences)
    else:
        assert "…" in body


@_SETTINGS
@given(
    read=st.one_of(_article(), _article(_tame)),
    answer_id=st.integers(1, 10**12 - 1),
    stamp=_stamp,
)
def test_every_page_of_an_article_is_valid_and_together_they_hold_it_all(
    read: tuple[_Briefing, int, tuple[Span, ...]], answer_id: int, stamp: str
) -> None:
    briefing, passage_id, quoted = read
    marks = Marks(quoted)
    first = render_article_page(briefing, passage_id, 1, marks, answer_id, stamp)  # type: ignore[arg-type]
    _, pages = _pages(first)
    texts = []
    for number in range(1, pages + 1):
        rendered = render_article_page(briefing, passage_id, number, marks, answer_id, stamp)  # type: ignore[arg-type]
        _assert_telegram_accepts(rendered.text)
        assert _pages(rendered) == (number, pages)
        moves = _assert_buttons_round_trip(rendered, stamp)
        assert [(p.kind, p.answer, p.passage) for p in moves] == [
            ("article", answer_id, passage_id)
        ] * len(moves)
        assert [p.page for p in moves] == [n for n in (number - 1, number + 1) if 1 <= n <= pages]
        texts.append(rendered.text)
    units = [
        html.escape(p.excerpt(a, b).strip(), quote=False)
        for p in briefing.passages
        for a, b in p.sentences
    ]
    if all(len(html.escape(p.text, quote=False)) < 3000 for p in briefing.passages):
        everything = "".join(texts)
        assert all(unit in everything for unit in units)
