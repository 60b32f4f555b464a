"""The data the index keeps and returns, as frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Article:
    """One source file of the briefing and what its text says about itself.

    Attributes:
        source: Path of the file relative to the seeds folder, with forward slashes.
        title: The article's title line, or its first sentence shortened.
        date: ISO date as precise as the text allows (``2018-05-26``, ``2018-05``), or
            ``--MM-DD`` for a dateline without a year; None when the text gives none.
        agency: News agency the text names in its dateline (``TASS``), or None.
        language: ISO 639-1 code detected from the text.
        sha256: Hash of the file's bytes, to tell whether it changed since the last build.
    """

    source: str
    title: str
    date: str | None
    agency: str | None
    language: str
    sha256: str


@dataclass(frozen=True, slots=True)
class Passage:
    """A span of an article small enough to quote and to embed.

    ``start`` and ``end`` are character offsets into the file's text as Python reads it,
    ``Path(seeds / source).read_text(encoding="utf-8")[start:end] == text``; ``sentences``
    are the ``(start, end)`` offsets of its sentences, in the same text.
    """

    id: int
    source: str
    paragraph: int
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...] = ()

    def excerpt(self, start: int, end: int) -> str:
        """The passage's text between two offsets into the article."""
        return self.text[start - self.start : end - self.start]

    @property
    def is_one_sentence(self) -> bool:
        """True when the passage is exactly one sentence, so one vector serves both."""
        return self.sentences == ((self.start, self.end),)

    def sentences_to_embed(self) -> list[str]:
        """The sentence texts that need vectors of their own (none for a one-sentence passage)."""
        return [] if self.is_one_sentence else [self.excerpt(a, b) for a, b in self.sentences]


@dataclass(frozen=True, slots=True)
class Hit:
    """A passage found for a question.

    Attributes:
        passage: The passage.
        article: The article it belongs to.
        score: Cosine similarity of question and passage, whatever ranked it.
        lexical: BM25 score of the passage for the question (0 when not computed).
        relevance: The score the results are ordered by (fused rank score, or the cosine).
    """

    passage: Passage
    article: Article
    score: float
    lexical: float = 0.0
    relevance: float = 0.0

    def as_json(self) -> dict[str, object]:
        """The JSON shape of a hit in ``briefing-index search --json`` and in citations."""
        return {
            "source": self.passage.source,
            "title": self.article.title,
            "date": self.article.date,
            "paragraph": self.passage.paragraph,
            "start": self.passage.start,
            "end": self.passage.end,
            "score": round(self.score, 4),
            "text": self.passage.text,
        }
