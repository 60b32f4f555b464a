from __future__ import annotations

import html
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render import (
    MESSAGE_LIMIT,
    fit,
    more_data,
    parse_callback,
    passage_data,
    sources_data,
)


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ok = True

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.ok = self.ok and bool(self.stack) and self.stack.pop() == tag


def _well_formed(text: str) -> bool:
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    return checker.ok and not checker.stack


@settings(max_examples=200, deadline=None)
@given(
    sentences=st.lists(st.text(min_size=1, max_size=400), min_size=1, max_size=40),
    italic=st.booleans(),
)
def test_fit_stays_within_the_limit_and_keeps_tags_whole(
    sentences: list[str], italic: bool
) -> None:
    body = html.escape(". ".join(sentences))
    if italic:
        body = f"<i>{body}</i>"
    tail = "\n\n<b>Sources</b>\n[1] A title, ¶ 2"
    text = fit(body, tail)
    assert len(text) <= MESSAGE_LIMIT
    assert text.endswith(tail)
    assert _well_formed(text)
    # No entity is cut in half: every & starts a whole escape.
    for position in [i for i, char in enumerate(text) if char == "&"]:
        assert text[position:].split(";", 1)[0] in {"&amp", "&lt", "&gt", "&quot", "&#x27"}


def test_short_text_is_untouched() -> None:
    assert fit("Hello.", " tail") == "Hello. tail"


def test_long_text_is_cut_after_a_sentence() -> None:
    body = "A sentence that ends here. " * 300
    text = fit(body, "")
    assert len(text) <= MESSAGE_LIMIT and text.endswith("here. …")


def test_callback_data_round_trips_within_64_bytes() -> None:
    stamp = "0123abcd"
    for data in (
        passage_data(123456789, stamp),
        more_data(10**11, 9999, stamp),
        sources_data(9999, stamp),
    ):
        assert len(data.encode()) <= 64
        assert parse_callback(data) is not None
    pressed = parse_callback(more_data(42, 3, stamp))
    assert pressed is not None and (pressed.kind, pressed.number, pressed.page) == ("more", 42, 3)


def test_foreign_callback_data_is_refused() -> None:
    for data in (None, "", "x:1:0123abcd", "p:1:zzzzzzzz", "p:1:0123abcd:extra", "m:1:0123abcd"):
        assert parse_callback(data) is None
