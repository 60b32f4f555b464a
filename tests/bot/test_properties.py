"""Properties of what the bot renders and the buttons it makes, for any text.

Replies are checked with the stand-in's own port of Telegram's HTML rules (``format_text``),
the rule every end-to-end test is held to: valid HTML, non-empty, at most 4096 characters.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.render import (
    MESSAGE_LIMIT,
    Callback,
    Rendered,
    more_data,
    parse_callback,
    passage_data,
    render_answer,
    render_passage,
    render_results_page,
    render_sources,
    sources_data,
)
from index.answers import NOT_COVERED, Answer, Citation
from index.records import Article, Hit, Passage
from tests.bot.botapi import MAX_CALLBACK_DATA, format_text

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


def _encode(pressed: Callback) -> str:
    if pressed.kind == "passage":
        return passage_data(pressed.number, pressed.stamp)
    if pressed.kind == "more":
        return more_data(pressed.number, pressed.page, pressed.stamp)
    return sources_data(pressed.page, pressed.stamp)


def _assert_buttons_round_trip(rendered: Rendered, stamp: str) -> list[Callback]:
    """Every button's data fits Telegram's 64 bytes and parses back to what it encodes."""
    pressed = []
    for row in rendered.keyboard.inline_keyboard if rendered.keyboard else ():
        for button in row:
            data = str(button.callback_data)
            assert 1 <= len(data.encode()) <= MAX_CALLBACK_DATA
            parsed = parse_callback(data)
            assert parsed is not None and parsed.stamp == stamp and _encode(parsed) == data
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
)
def test_an_answer_is_valid_telegram_html_within_the_limit(
    question: str,
    sentences: list[str],
    hits: list[Hit],
    found: bool,
    answer_id: int,
    stamp: str,
) -> None:
    cited = hits[: len(sentences)]
    citations = tuple(Citation(n, hit, ((0, 1),)) for n, hit in enumerate(cited, 1))
    text = " ".join(f"{s} [{c.n}]" for s, c in zip(sentences, citations, strict=False))
    answer = Answer(question, found, text or NOT_COVERED, citations, tuple(hits))
    rendered = render_answer(answer, answer_id, stamp)
    _assert_telegram_accepts(rendered.text)
    pressed = _assert_buttons_round_trip(rendered, stamp)
    assert [p.number for p in pressed if p.kind == "passage"] == [h.passage.id for h in cited]
    assert [p.number for p in pressed if p.kind == "more"] == (
        [answer_id] if len(hits) > len(citations) else []
    )


@_SETTINGS
@given(hits=_hits(max_size=12), page=st.integers(-3, 8), answer_id=st.integers(1, 10**12 - 1))
def test_a_results_page_is_valid_and_its_buttons_lead_to_real_pages(
    hits: list[Hit], page: int, answer_id: int
) -> None:
    rendered = render_results_page(hits, page, answer_id, "0123abcd")
    _assert_telegram_accepts(rendered.text)
    pages = max(1, -(-len(hits) // 3))
    for pressed in _assert_buttons_round_trip(rendered, "0123abcd"):
        assert pressed.kind == "more" and pressed.number == answer_id
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


_callback_like = st.one_of(
    st.none(),
    st.text(),
    st.from_regex(r"[pms]:[-0-9]{0,14}(:[0-9]{0,7})?:[0-9a-fA-F]{7,9}\n?", fullmatch=True),
    st.builds(
        lambda parts: ":".join(parts),
        st.lists(st.text(st.characters(categories=("Nd", "Ll")), max_size=13), max_size=4),
    ),
)


@settings(max_examples=300, deadline=None)
@given(data=_callback_like)
@example(data="p:1:0123abcd\n")
@example(data="p:١:0123abcd")
@example(data="s:0:0123abcd")
def test_callback_data_parses_to_what_makes_it_or_is_refused(data: str | None) -> None:
    pressed = parse_callback(data)  # never raises
    assert pressed is None or _encode(pressed) == data


@_SETTINGS
@given(
    passage_id=st.integers(0, 10**9 - 1),
    answer_id=st.integers(1, 10**12 - 1),
    page=st.integers(1, 10**6 - 1),
    stamp=_stamp,
)
def test_all_the_data_buttons_can_carry_fits_and_round_trips(
    passage_id: int, answer_id: int, page: int, stamp: str
) -> None:
    for data, wanted in (
        (passage_data(passage_id, stamp), Callback("passage", passage_id, 0, stamp)),
        (more_data(answer_id, page, stamp), Callback("more", answer_id, page, stamp)),
        (sources_data(page, stamp), Callback("sources", 0, page, stamp)),
    ):
        assert len(data.encode()) <= MAX_CALLBACK_DATA
        assert parse_callback(data) == wanted
