"""The data the index keeps and returns, as frozen dataclasses."""

from __future__ import annotations

import bisect
from dataclasses import dataclass


def file_of(source: str) -> str:
    """The file a source names: ``feed.xml`` of a feed entry's ``feed.xml#3f2a…``."""
    return source.split("#", 1)[0]


@dataclass(frozen=True, slots=True)
class Article:
    """One source file of the briefing and what its text says about itself.

    Attributes:
        source: Path of the file relative to the seeds folder, with forward slashes; for an
            entry of a feed, followed by ``#`` and the entry's name within it.
        title: The title the file gives (a title line, a page's headline, a PDF's title, an
            e-mail's subject, a feed entry's title), or its first sentence shortened.
        date: ISO date as precise as the text allows (``2018-05-26``, ``2018-05``), or
            ``--MM-DD`` for a dateline without a year; None when the text gives none.
        agency: Who published it: the news agency its dateline names (``TASS``), else the
            site, feed, sender, author or channel the file names; None when nothing does.
        language: ISO 639-1 code detected from the text.
        sha256: Hash of the file's bytes (a feed entry's own), to tell whether it changed
            since the last build.
        link: Where it can be read online (a feed entry's or a web page's address), or None.
        pages: Where each page starts in the text, for an article read from a PDF.
        text_sha256: Hash of the article's body text: the same article in two files, or sent
            twice, has the same.
    """

    source: str
    title: str
    date: str | None
    agency: str | None
    language: str
    sha256: str
    link: str | None = None
    pages: tuple[int, ...] = ()
    text_sha256: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.pages, tuple):  # read back from JSON as a list
            object.__setattr__(self, "pages", tuple(self.pages))

    @property
    def file(self) -> str:
        """The file under the seeds folder the article was read from (a feed holds several)."""
        return file_of(self.source)

    def page_at(self, offset: int) -> int | None:
        """The page (from 1) of the text at ``offset``, for an article read from a PDF."""
        return bisect.bisect_right(self.pages, offset) if self.pages else None


@dataclass(frozen=True, slots=True)
class Passage:
    """A span of an article small enough to quote and to embed.

    ``start`` and ``end`` are character offsets into the article's text: for a text file the
    text as Python reads it, ``Path(seeds / source).read_text(encoding="utf-8")[start:end] ==
    text``, for other formats the text their reader extracts; ``sentences``
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
            "page": self.page,
            "link": self.article.link,
        }

    @property
    def page(self) -> int | None:
        """The page the passage starts on, for an article read from a PDF."""
        return self.article.page_at(self.passage.start)
