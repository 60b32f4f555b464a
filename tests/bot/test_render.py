from __future__ import annotations

import html
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render import MESSAGE_LIMIT, fit, render_answer
from index.answering.answers import Answer, Citation
from index.records import Article, Hit, Passage


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


def _hit(passage_id: int, source: str, language: str, paragraph: int = 1) -> Hit:
    passage = Passage(passage_id, source, paragraph, 0, 12, "Lavrov said.", ((0, 12),))
    return Hit(passage, Article(source, f"Title {source}", "2018-05-26", None, language, ""), 0.9)


def test_a_story_told_elsewhere_is_cited_once_with_a_button_per_version() -> None:
    versions = (_hit(5, "fr.txt", "fr"), _hit(9, "de.txt", "de"))
    cited = Citation(1, _hit(0, "en.txt", "en", 6), ((0, 12),), versions)
    other = Citation(2, _hit(3, "en2.txt", "en"), ((0, 12),))
    answer = Answer("What did Lavrov say?", True, "Lavrov said. [1] Lavrov said. [2]",
                    (cited, other), (cited.hit, other.hit))  # fmt: skip
    rendered = render_answer(answer, 42, "0123abcd")
    assert "[1] Title en.txt, 2018-05-26, ¶ 6 · also in: FR, DE\n" in rendered.text
    assert rendered.text.endswith("[2] Title en2.txt, 2018-05-26, ¶ 1")
    assert rendered.keyboard is not None
    rows = [[(b.text, b.callback_data) for b in row] for row in rendered.keyboard.inline_keyboard]
    assert rows == [
        [("[1]", "c:42:0:0123abcd"), ("[1] FR", "c:42:5:0123abcd"), ("[1] DE", "c:42:9:0123abcd")],
        [("[2]", "c:42:3:0123abcd")],
    ]


def test_citations_without_versions_share_one_row() -> None:
    citations = tuple(Citation(n, _hit(n, f"{n}.txt", "en"), ((0, 12),)) for n in (1, 2, 3))
    answer = Answer("?", True, "x [1] y [2] z [3]", citations, tuple(c.hit for c in citations))
    rendered = render_answer(answer, 7, "0123abcd")
    assert rendered.keyboard is not None
    assert [[b.text for b in row] for row in rendered.keyboard.inline_keyboard] == [
        ["[1]", "[2]", "[3]"]
    ]
    assert "also in" not in rendered.text
