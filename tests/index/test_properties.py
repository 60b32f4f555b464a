"""Offsets survive the whole trip: every passage and sentence a built index stores, read back
from disk, is the span of its file it claims to be, also after an incremental rebuild.

(tests/index/test_chunking.py checks the spans chunking makes; this follows them through the
build, the JSON Lines files and the load, with characters that are line breaks to some
readers and not to others.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from index.build import build_index
from index.errors import SeedsError
from index.store.folder import load_index
from tests.support.fakes import FakeEmbedder

_TRICKY = [
    "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x00", "\r\n", "\r", "\t", "\ufeff",
    "\u202e", "\u200b", "🎉", "👨‍👩‍👧", "e\u0301", "«", "»", '"', "\\", "Ё", "外交部说。", "...",
    "\n",
]  # fmt: skip
_words = st.lists(
    st.one_of(
        st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8),
        st.sampled_from(_TRICKY),
    ),
    max_size=6,
).map("".join)
_sentence = st.lists(_words, min_size=1, max_size=25).map(" ".join).map(lambda s: s + ".")
_paragraph = st.lists(_sentence, min_size=1, max_size=5).map(" ".join)
_article = st.lists(_paragraph, min_size=1, max_size=4).map("\n\n".join)


def _check_stored(index_dir: Path, seeds: Path) -> None:
    index = load_index(index_dir, expected_model=FakeEmbedder().name)
    assert [passage.id for passage in index.passages] == list(range(len(index.passages)))
    previous: dict[str, int] = {}
    for passage in index.passages:
        as_read = (seeds / passage.source).read_text(encoding="utf-8")
        assert passage.source in index.articles
        assert as_read[passage.start : passage.end] == passage.text
        assert passage.text.strip() == passage.text != ""
        assert passage.start >= previous.get(passage.source, 0), "passages overlap"
        previous[passage.source] = passage.end
        position = passage.start
        for start, end in passage.sentences:
            assert position <= start < end <= passage.end, "sentences overlap or stray"
            assert passage.excerpt(start, end) == as_read[start:end]
            position = end


@settings(max_examples=60, deadline=None)
@given(
    articles=st.lists(_article, min_size=1, max_size=3),
    bom=st.booleans(),
    lead=st.from_regex(r"[A-Za-zА-я0-9 ,.«»\u2028]{1,80}", fullmatch=True),  # keeps it readable
)
@example(
    articles=["Title\n\nOne\u2028two. Three\x85four.\n\nFive\u2029six.\r\nSeven."],
    bom=True,
    lead="A new first paragraph.",
)
def test_stored_offsets_are_spans_of_their_files_across_rebuilds(
    tmp_path_factory: pytest.TempPathFactory, articles: list[str], bom: bool, lead: str
) -> None:
    root = tmp_path_factory.mktemp("built")
    seeds = root / "seeds"
    seeds.mkdir()
    for number, text in enumerate(articles):
        (seeds / f"{number}.txt").write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    try:
        build_index(seeds, root / "index", FakeEmbedder())
    except SeedsError:  # nothing readable (e.g. only a title): no index to check
        return
    _check_stored(root / "index", seeds)
    # The first file gains a paragraph at the top: its offsets all move, the others' stay
    # and are reused by the incremental build.
    first = seeds / "0.txt"
    first.write_bytes(lead.encode() + b"\n\n" + first.read_bytes())
    build_index(seeds, root / "index", FakeEmbedder())
    _check_stored(root / "index", seeds)
