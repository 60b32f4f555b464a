"""Cutting an article's body into passages: one per paragraph, long paragraphs split at sentences.

Short passages keep one speaker per passage, which is what a "what did X say" question needs.
Every passage is a span of the article's text: ``text[start:end]``.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

import blingfire

from index.ingest import Document

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0\ufeff]*\n\s*")
_WORD = re.compile(r"\S+")
_CONTENT = re.compile(r"[^\s\ufeff](?:.*[^\s\ufeff])?", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ChunkingParams:
    """How paragraphs become passages.

    Attributes:
        max_words: A paragraph longer than this is split at sentence boundaries into
            passages of about equal length, none longer than this unless one sentence is.
        hard_max_words: A single sentence longer than this is cut between words.
    """

    max_words: int = 120
    hard_max_words: int = 250

    def __post_init__(self) -> None:
        if not 10 <= self.max_words <= self.hard_max_words:
            raise ValueError("chunking needs 10 <= max_words <= hard_max_words")


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
    if words <= params.max_words:
        return [(start, end)]
    sentences = [
        piece
        for sentence in sentence_spans(text, start, end)
        for piece in _cut_long_sentence(text, *sentence, params.hard_max_words)
    ]
    if len(sentences) == 1:
        return sentences
    cumulative = list(itertools.accumulate(_word_count(text, *span) for span in sentences))
    parts = math.ceil(words / params.max_words)
    # Cut after the sentence whose running word count comes closest to each multiple of
    # words / parts, so the passages come out about equally long.
    cuts = sorted(
        {
            min(range(len(sentences) - 1), key=lambda i: abs(cumulative[i] - words * j / parts))
            for j in range(1, parts)
        }
    )
    firsts = [0, *(cut + 1 for cut in cuts)]
    lasts = [*cuts, len(sentences) - 1]
    return [(sentences[a][0], sentences[b][1]) for a, b in zip(firsts, lasts, strict=True)]


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


def _word_count(text: str, start: int, end: int) -> int:
    return sum(1 for _ in _WORD.finditer(text, start, end))
