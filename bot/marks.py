"""Which sentences of a passage an answer quotes, to show them in bold where the passage is read.

An answer remembers, for each citation, the passage and the sentences it quotes, and the
passages telling the same story elsewhere (``Citation.versions``). A version quotes nothing
itself; its sentences closest to the quoted ones (by their vectors, as ``index.retrieval.stories``
aligns versions) are what the answer says in that article.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from index.answering.answers import Answer
from index.store.folder import StoredIndex

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Cited:
    """What one citation of an answer needs to be read again: ints only, no index objects.

    Attributes:
        n: The citation's number in the answer.
        passage_id: The passage it quotes.
        sentences: ``(start, end)`` offsets of the quoted sentences, into the article.
        versions: Passage ids of the same story in other articles, closest first.
    """

    n: int
    passage_id: int
    sentences: tuple[Span, ...]
    versions: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Marks:
    """The sentences of one passage to show in bold, and a line saying what they are."""

    sentences: tuple[Span, ...] = ()
    note: str | None = None


EXPIRED = Marks(note="The answer this came from has expired, so no sentence is marked.")


def cited_of(answer: Answer) -> tuple[Cited, ...]:
    """The citations of ``answer`` as the bot keeps them for its buttons."""
    return tuple(
        Cited(
            c.n,
            c.hit.passage.id,
            tuple(c.sentences),
            tuple(version.passage.id for version in c.versions),
        )
        for c in answer.citations
    )


def marks_for(index: StoredIndex, cited: Sequence[Cited] | None, passage_id: int) -> Marks:
    """The sentences of passage ``passage_id`` that answer ``cited`` quotes, or their
    counterparts when the passage is a version of a cited one.

    ``cited`` is None when the answer is no longer remembered; a passage the answer neither
    quotes nor has as a version gets no marks. Reads sentence vectors: call it off the loop.
    """
    if cited is None:
        return EXPIRED
    for citation in cited:
        if citation.passage_id == passage_id:
            return Marks(citation.sentences)
    for citation in cited:
        if passage_id in citation.versions:
            counterparts = _counterparts(index, citation, passage_id)
            return Marks(
                counterparts,
                f"The same story as [{citation.n}]: in bold, the sentences closest to its quote.",
            )
    return Marks()


def _counterparts(index: StoredIndex, citation: Cited, version_id: int) -> tuple[Span, ...]:
    """For each quoted sentence, the version's sentence closest to it; in reading order."""
    original, version = index.passages[citation.passage_id], index.passages[version_id]
    quoted = [i for i, span in enumerate(original.sentences) if span in citation.sentences]
    if not quoted or not version.sentences:
        return ()
    ours = index.passage_sentence_vectors(citation.passage_id)[quoted]
    theirs = index.passage_sentence_vectors(version_id)
    closest = sorted(set((ours @ theirs.T).argmax(axis=1).tolist()))
    return tuple(version.sentences[i] for i in closest)
