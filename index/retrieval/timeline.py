"""``/timeline``: every passage on a name or topic in date order, one line each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from index.articles.dates import DateRange
from index.records import Hit
from index.retrieval.dating import Dating
from index.retrieval.question import Question
from index.retrieval.search import Searcher
from index.retrieval.speakers import name_key

_TIMELINE_CANDIDATES = 40
_MAX_TIMELINE = 20


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of a timeline: when, the sentence that tells it, and the hit it comes from."""

    when: DateRange | None
    sentence: tuple[int, int]
    hit: Hit


def timeline(
    searcher: Searcher,
    dating: Dating,
    topic: Question,
    vector: npt.NDArray[np.float32] | None = None,
) -> list[TimelineEntry]:
    """The passages on ``topic`` in date order (undated last), one sentence each.

    The passages listed are those among the closest that name a word of the topic
    (``topic.topic_keys``), spelled in any way or script ("lavrov", "Lawrow", "Лавров").
    Closeness alone is no test: a short topic is close to many passages (e5 put "bananas" at
    0.82 from a dateline).

    Args:
        searcher: Retrieval over the index.
        dating: The dates of its passages.
        topic: The topic, read by ``read_question``.
        vector: Its query vector, when known (e.g. embedded in a batch).
    """
    query = searcher.embed(topic.text) if vector is None else vector
    hits = searcher.search(topic.text, _TIMELINE_CANDIDATES, query)
    names = topic.topic_keys
    relevant = [hit for hit in hits if names and _names_in(hit.passage.text, names)]
    entries = [
        TimelineEntry(dating.when(hit.passage), _sentence(searcher, hit, query, names), hit)
        for hit in relevant[:_MAX_TIMELINE]
    ]
    return sorted(entries, key=lambda e: (e.when is None, e.when.start if e.when else date.min))


def _names_in(text: str, names: frozenset[str]) -> bool:
    """True when ``text`` names one of ``names`` (name keys), inflected endings allowed."""
    keys = {name_key(word) for word in text.split()}
    return any(key.startswith(name) and len(key) - len(name) <= 2 for key in keys for name in names)


def _sentence(
    searcher: Searcher, hit: Hit, query: npt.NDArray[np.float32], names: frozenset[str]
) -> tuple[int, int]:
    """The sentence that names the topic, else the one closest to it."""
    passage = hit.passage
    for span in passage.sentences:
        if names and _names_in(passage.excerpt(*span), names):
            return span
    vectors = searcher.index.passage_sentence_vectors(passage.id)
    return passage.sentences[int(np.argmax(vectors @ query))]
