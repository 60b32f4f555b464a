"""Dates of passages: passages in the asked time first, the latest news for "now".

A passage is dated by what it says ("le 22 décembre 2017") and by its article's date; a
question's time (``Question.time``, read by ``index.articles.dates``) moves the passages of that
time ahead of the others, and "latest"/"now" moves the newest ahead among passages about as
relevant.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property

from index.articles.dates import DateRange, TimeIntent, article_range, dates_in_text
from index.records import Hit, Passage
from index.store.folder import StoredIndex

# "Latest" reorders only passages whose score is this close to the best: recency must not
# bring up a passage that does not answer.
_LATEST_MARGIN = 0.03


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

    def telling(self, hits: list[Hit], asked: DateRange) -> list[Hit]:
        """The hits that tell of days within ``asked`` (not of a year around it): those that
        name such a day first, then those of articles dated within it, in their order."""

        def within(ranges: list[DateRange]) -> bool:
            return any(asked.start <= r.start and r.end <= asked.end for r in ranges)

        naming = [hit for hit in hits if within(self.mentioned(hit.passage))]
        dated = [hit for hit in hits if hit not in naming and within(self.ranges(hit.passage))]
        return naming + dated

    def sentences_telling(self, passage: Passage, asked: DateRange) -> list[tuple[int, int]]:
        """The passage's sentences that name a day within ``asked``."""
        published = article_range(self.index.articles[passage.source].date)
        reference = published.end if published else None
        return [
            span
            for span in passage.sentences
            if any(
                asked.start <= r.start and r.end <= asked.end
                for r in dates_in_text(passage.excerpt(*span), reference)
            )
        ]

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
