"""Cutting an article's body into passages: one per paragraph, long paragraphs split at sentences.

Short passages keep one speaker per passage, which is what a "what did X say" question needs.
Every passage is a span of the article's text: ``text[start:end]``. Whatever the text, no
passage is longer than ``hard_max_words`` words or ``hard_max_chars`` characters: a sentence
longer than that is cut between words, and a run of text without spaces (a base64 blob, or
Chinese without punctuation) between characters.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import unicodedata
from dataclasses import dataclass

import blingfire

from index.articles.ingest import Document

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0\ufeff]*\n\s*")
_WORD = re.compile(r"\S+")
_SPACE = re.compile(r"\s")
_CONTENT = re.compile(r"[^\s\ufeff](?:.*[^\s\ufeff])?", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ChunkingParams:
    """How paragraphs become passages.

    Attributes:
        max_words: A paragraph longer than this is split at sentence boundaries into
            passages of about equal length, none longer than this unless one sentence is.
        hard_max_words: A single sentence longer than this is cut between words.
        hard_max_chars: No passage is longer than this: longer ones are cut at a space, or
            between characters where there is none. Well above 250 words of ordinary text,
            and short enough to quote in one Telegram message (4,096 characters).
    """

    max_words: int = 120
    hard_max_words: int = 250
    hard_max_chars: int = 2000

    def __post_init__(self) -> None:
        if not 10 <= self.max_words <= self.hard_max_words:
            raise ValueError("chunking needs 10 <= max_words <= hard_max_words")
        if self.hard_max_chars < 100:
            raise ValueError("chunking needs hard_max_chars >= 100")


@dataclass(frozen=True, slots=True)
class Span:
    """A passage before it has an id: where it and its sentences are in its article."""

    paragraph: int
    start: int
    end: int
    sentences: tuple[tuple[int, int], ...]


def paragraph_spans(text: str, body_start: int) -> list[tuple[int, int]]:
    """``(start, end)`` of each paragraph of the body, without surrounding whitespace.

    Paragraphs are separated by blank lines; a body with no blank line at all has one
    paragraph per line, as some feeds write them.
    """
    body = text[body_start:]
    separator = _PARAGRAPH_BREAK if _PARAGRAPH_BREAK.search(body) else re.compile(r"\n\s*")
    spans: list[tuple[int, int]] = []
    position = 0
    for match in [*separator.finditer(body), None]:
        end = match.start() if match else len(body)
        trimmed = trim_span(text, body_start + position, body_start + end)
        if trimmed:
            spans.append(trimmed)
        position = match.end() if match else len(body)
    return spans


def trim_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``(start, end)`` without surrounding whitespace and BOMs; None if nothing is left."""
    match = _CONTENT.search(text, start, end)
    return (match.start(), match.end()) if match else None


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text[start:end]``, as offsets into ``text``."""
    _, offsets = blingfire.text_to_sentences_and_offsets(text[start:end])
    spans = [trim_span(text, start + a, start + b) for a, b in offsets]
    return [span for span in spans if span] or [(start, end)]


def chunk_document(document: Document, params: ChunkingParams) -> list[Span]:
    """The passages of one article, in reading order; paragraphs are numbered from 1."""
    spans: list[Span] = []
    for number, (start, end) in enumerate(paragraph_spans(document.text, document.body_start), 1):
        for piece_start, piece_end in split_paragraph(document.text, start, end, params):
            sentences = tuple(sentence_spans(document.text, piece_start, piece_end))
            spans.append(Span(number, piece_start, piece_end, sentences))
    return spans


def split_paragraph(
    text: str, start: int, end: int, params: ChunkingParams
) -> list[tuple[int, int]]:
    """Splits one paragraph into passages of about equal length at sentence boundaries."""
    words = _word_count(text, start, end)
    if words <= params.max_words and end - start <= params.hard_max_chars:
        return [(start, end)]
    sentences = [
        piece
        for sentence in sentence_spans(text, start, end)
        for words_piece in _cut_long_sentence(text, *sentence, params.hard_max_words)
        for piece in _cut_long_run(text, *words_piece, params.hard_max_chars)
    ]
    if len(sentences) == 1:
        return sentences
    cumulative = list(itertools.accumulate(_word_count(text, *span) for span in sentences))
    parts = math.ceil(words / params.max_words)
    # Cut after the sentence whose running word count comes closest to each multiple of
    # words / parts, so the passages come out about equally long.
    cuts = sorted({_closest(cumulative[:-1], words * j / parts) for j in range(1, parts)})
    firsts = [0, *(cut + 1 for cut in cuts)]
    lasts = [*cuts, len(sentences) - 1]
    return [
        passage
        for a, b in zip(firsts, lasts, strict=True)
        for passage in _pack(sentences[a : b + 1], params.hard_max_chars)
    ]


def _closest(ascending: list[int], target: float) -> int:
    """The index of the value nearest ``target`` (the first of two as near)."""
    i = bisect.bisect_left(ascending, target)
    if i == len(ascending) or (i > 0 and target - ascending[i - 1] <= ascending[i] - target):
        return max(i - 1, 0)
    return i


def _pack(pieces: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """Consecutive pieces joined into spans of at most ``limit`` characters (each piece is)."""
    spans = [pieces[0]]
    for start, end in pieces[1:]:
        if end - spans[-1][0] <= limit:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _cut_long_sentence(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    words = list(_WORD.finditer(text, start, end))
    if len(words) <= limit:
        return [(start, end)]
    pieces = math.ceil(len(words) / limit)
    size = math.ceil(len(words) / pieces)
    return [
        (words[i].start(), words[min(i + size, len(words)) - 1].end())
        for i in range(0, len(words), size)
    ]


def _cut_long_run(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Cuts a span longer than ``limit`` characters at its last space before the limit, or
    between two characters where it has no space in the second half of the limit."""
    pieces: list[tuple[int, int]] = []
    while end - start > limit:
        spaces = [m.start() for m in _SPACE.finditer(text, start + limit // 2, start + limit + 1)]
        cut = spaces[-1] if spaces else _character_boundary(text, start, start + limit)
        piece = trim_span(text, start, cut)
        if piece:
            pieces.append(piece)
        start = cut
    last = trim_span(text, start, end)
    return [*pieces, last] if last else pieces


def _character_boundary(text: str, start: int, cut: int) -> int:
    """``cut``, moved back so that no accent or joined emoji is parted from its base."""
    while cut > start + 1 and (
        unicodedata.category(text[cut]) in ("Mn", "Mc", "Me")
        or text[cut] in "\u200d\ufe0e\ufe0f"
        or text[cut - 1] == "\u200d"
    ):
        cut -= 1
    return cut


def _word_count(text: str, start: int, end: int) -> int:
    return sum(1 for _ in _WORD.finditer(text, start, end))
