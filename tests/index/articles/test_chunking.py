from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.articles.chunking import ChunkingParams, chunk_document, paragraph_spans
from index.articles.ingest import ingest, read_document
from index.articles.readers.text import decode_article_text
from tests.support.paths import SEEDS

PARAMS = ChunkingParams()


def _check_spans(path: Path, root: Path, params: ChunkingParams = PARAMS) -> list[str]:
    """Chunks one file and checks every passage against the file as Python reads it."""
    document = read_document(path, root)
    as_read = path.read_text(encoding="utf-8")
    assert document.text == as_read
    spans = chunk_document(document, params)
    previous_end = document.body_start
    for span in spans:
        passage = as_read[span.start : span.end]
        assert passage and passage == passage.strip()
        assert span.start >= previous_end, "passages overlap or go back"
        previous_end = span.end
    assert [s.paragraph for s in spans] == sorted(s.paragraph for s in spans)
    return [as_read[s.start : s.end] for s in spans]


def test_every_seed_passage_round_trips() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        passages = _check_spans(path, SEEDS)
        assert passages
        assert all("date 2018-05" not in p for p in passages)


def test_long_paragraph_is_split_at_sentences_and_keeps_its_number() -> None:
    document = next(d for d in ingest(SEEDS).documents if d.article.language == "en")
    spans = chunk_document(document, PARAMS)
    last = [s for s in spans if s.paragraph == 6]
    assert len(last) == 2
    first, second = (document.text[s.start : s.end] for s in last)
    assert first.startswith("The Russian foreign Minister Sergei Lavrov said")
    assert "Zakharova" not in first
    assert second.startswith(
        "The official representative of Russian foreign Ministry Maria Zakharova"
    )


@pytest.mark.parametrize(
    "content",
    [
        b"\xef\xbb\xbfTitle here\r\n\r\nFirst para. Second sentence.\r\n\r\nThird para.\r\n",
        "Emoji title 🎉\n\nThe crowd cheered 🎉🎉 loudly. Then 👍 went home.\n".encode(),
        b"one line file without newline",
        b"date 2020-01-02\n\n\nOnly body after a marker.\n\n\n",
        b"Line one of a feed.\nLine two of a feed.\nLine three.\n",
        b"Old Mac title\r\rBody with CR only.\r",
        "Заголовок\n\nМинистр заявил, что «переговоры возможны». 外交部说。\n".encode(),
    ],
    ids=["bom-crlf", "emoji", "one-line", "marker", "line-per-paragraph", "cr", "cyrillic-cjk"],
)
def test_odd_files_round_trip(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "odd.txt"
    path.write_bytes(content)
    assert _check_spans(path, tmp_path)


def test_line_per_paragraph_feed() -> None:
    text = "Line one of a feed.\nLine two of a feed.\nLine three.\n"
    assert [text[a:b] for a, b in paragraph_spans(text, 0)] == [
        "Line one of a feed.",
        "Line two of a feed.",
        "Line three.",
    ]


_words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=12
)
_sentence = st.lists(_words, min_size=1, max_size=40).map(" ".join).map(lambda s: s + ".")
_paragraph = st.lists(_sentence, min_size=1, max_size=12).map(" ".join)
_document = st.lists(_paragraph, min_size=1, max_size=6).map("\n\n".join)


@settings(max_examples=100, deadline=None)
@given(text=_document, newline=st.sampled_from(["\n", "\r\n"]), bom=st.booleans())
def test_offsets_round_trip_for_any_text(
    tmp_path_factory: pytest.TempPathFactory, text: str, newline: str, bom: bool
) -> None:
    root = tmp_path_factory.mktemp("any")
    path = root / "any.txt"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.replace("\n", newline).encode())
    as_read = decode_article_text(path.read_bytes())
    if not as_read.strip("\ufeff \t\n"):
        return
    try:
        passages = _check_spans(path, root, ChunkingParams(max_words=15, hard_max_words=30))
    except ValueError:  # a title and nothing else: the file is skipped, not chunked
        return
    for passage in passages:
        assert len(passage.split()) <= 30 or len(passage.split()) == 1
