"""Dates in retrieval: passages in the asked time first, the latest news for "now", timelines.

A passage is dated by what it says ("le 22 décembre 2017") and by its article's date; a
question's time (``index.articles.dates``) moves the passages of that time ahead of the others,
and "latest"/"now" moves the newest ahead among passages about as relevant. ``/timeline``
lists every passage on a name or topic in date order, one line each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import numpy.typing as npt

from index.articles.dates import DateRange, TimeIntent, article_range, dates_in_text, question_time
from index.records import Hit, Passage
from index.retrieval.lexical import fold, stopwords_of_every_language
from index.retrieval.search import Searcher
from index.retrieval.speakers import name_key
from index.store.folder import StoredIndex

# "Latest" reorders only passages whose score is this close to the best: recency must not
# bring up a passage that does not answer.
_LATEST_MARGIN = 0.03
_TIMELINE_CANDIDATES = 40
_MAX_TIMELINE = 20


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of a timeline: when, the sentence that tells it, and the hit it comes from."""

    when: DateRange | None
    sentence: tuple[int, int]
    hit: Hit


class Dating:
    """Dates of the passages of one index, relative to its newest article."""

    def __init__(self, index: StoredIndex, today: date | None = None) -> None:
        self.index = index
        self._today = today or date.today()
        self._mentioned: dict[int, list[DateRange]] = {}

    @cached_property
    def newest(self) -> date:
        """The newest article's date: "last week" is the week before it. Today if none is dated."""
        ends = [r.end for a in self.index.articles.values() if (r := article_range(a.date))]
        return max(ends, default=self._today)

    def intent(self, question: str) -> TimeIntent:
        """What the question asks about time, relative to the newest article."""
        return question_time(question, self.newest)

    def mentioned(self, passage: Passage) -> list[DateRange]:
        """The dates the passage's text mentions (a yearless one in its article's year).

        Read once per passage: a dated question asks for them up to three times.
        """
        if passage.id not in self._mentioned:
            published = article_range(self.index.articles[passage.source].date)
            found = dates_in_text(passage.text, published.end if published else None)
            self._mentioned[passage.id] = found
        return self._mentioned[passage.id]

    def ranges(self, passage: Passage) -> list[DateRange]:
        """The dates the passage mentions, then its article's date."""
        published = article_range(self.index.articles[passage.source].date)
        return [*self.mentioned(passage), *([published] if published else [])]

    def when(self, passage: Passage) -> DateRange | None:
        """The date a passage tells of: the first it mentions, else its article's."""
        ranges = self.ranges(passage)
        return ranges[0] if ranges else None

    def inside(self, hits: list[Hit], asked: DateRange, mentioned: bool = False) -> set[int]:
        """Ids of the hits dated within ``asked``; with ``mentioned``, by their own words only."""
        return {
            hit.passage.id
            for hit in hits
            if any(
                r.overlaps(asked)
                for r in (self.mentioned(hit.passage) if mentioned else self.ranges(hit.passage))
            )
        }

    def prefer(self, hits: list[Hit], intent: TimeIntent) -> list[Hit]:
        """``hits`` with those of the asked time first, or the newest first among the best."""
        if intent.range is not None:
            inside = self.inside(hits, intent.range)
            return [h for h in hits if h.passage.id in inside] + [
                h for h in hits if h.passage.id not in inside
            ]
        if intent.latest and hits:
            best = max(hit.score for hit in hits)
            close = [h for h in hits if h.score >= best - _LATEST_MARGIN]
            close.sort(key=self._published, reverse=True)
            return close + [h for h in hits if h not in close]
        return hits

    def _published(self, hit: Hit) -> date:
        published = article_range(hit.article.date)
        return published.end if published else date.min


def timeline(searcher: Searcher, dating: Dating, topic: str) -> list[TimelineEntry]:
    """The passages on ``topic`` in date order (undated last), one sentence each."""
    query = searcher.embedder.embed_queries([topic])[0]
    return timeline_embedded(searcher, dating, topic, query)


def timeline_embedded(
    searcher: Searcher, dating: Dating, topic: str, query: npt.NDArray[np.float32]
) -> list[TimelineEntry]:
    """``timeline`` for a topic whose query vector is known (e.g. embedded in a batch).

    The passages listed are those among the closest that name a word of the topic, spelled
    in any way or script ("lavrov", "Lawrow", "Лавров"), stopwords aside. Closeness alone is
    no test: a short topic is close to many passages (e5 put "bananas" at 0.82 from a dateline).
    """
    hits = searcher.search_embedded([topic], query.reshape(1, -1), k=_TIMELINE_CANDIDATES)[0]
    common = stopwords_of_every_language()
    names = {name_key(word) for word in topic.split() if fold(word) not in common}
    names = {name for name in names if len(name) > 2}
    relevant = [hit for hit in hits if names and _names_in(hit.passage.text, names)]
    entries = [
        TimelineEntry(dating.when(hit.passage), _sentence(searcher, hit, query, names), hit)
        for hit in relevant[:_MAX_TIMELINE]
    ]
    return sorted(entries, key=lambda e: (e.when is None, e.when.start if e.when else date.min))


def _names_in(text: str, names: set[str]) -> bool:
    """True when ``text`` names one of ``names`` (name keys), inflected endings allowed."""
    keys = {name_key(word) for word in text.split()}
    return any(key.startswith(name) and len(key) - len(name) <= 2 for key in keys for name in names)


def _sentence(
    searcher: Searcher, hit: Hit, query: npt.NDArray[np.float32], names: set[str]
) -> tuple[int, int]:
    """The sentence that names the topic, else the one closest to it."""
    passage = hit.passage
    for span in passage.sentences:
        if names and _names_in(passage.excerpt(*span), names):
            return span
    vectors = searcher.index.passage_sentence_vectors(passage.id)
    return passage.sentences[int(np.argmax(vectors @ query))]
