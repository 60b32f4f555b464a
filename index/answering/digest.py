"""A digest of the briefing: its stories in a period, each once, in the briefing's own words.

Articles tell the same story when their leads (first ``LEAD_PASSAGES`` passages) are versions
of each other (``index.retrieval.stories``: sentence alignment, relative to the neighbours); the
stories are the groups that link. Each story is shown by one article (the reader's language where
the story has it, else the article nearest the story's centre), its title as headline and its one
or two sentences nearest the centre (the mean of all the story's passage vectors) as summary: no
text is written, only chosen. Stories are ranked by how many languages, then articles, tell
them, then newest first.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from index.answering.answers import Citation
from index.articles.dates import DateRange, article_range
from index.records import Article, Hit, Passage
from index.retrieval.stories import find_versions
from index.store.folder import StoredIndex

LEAD_PASSAGES = 2
SUMMARY_SENTENCES = 2
# Shorter sentences (a table row, a byline, a subheading) sit near any centre, saying little;
# they are chosen only when an article has no longer ones.
SUMMARY_MIN_WORDS = 8
_PERIOD = re.compile(r"(?:all|today|week|\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True, slots=True)
class Period:
    """The days a digest covers; ``range`` None for the whole briefing (undated articles too).

    Attributes:
        name: As asked: ``today``, ``week``, ``all`` or a date (``2018-05-26``).
        range: The days, counted back from the briefing's newest article.
    """

    name: str
    range: DateRange | None

    @property
    def code(self) -> str:
        """What a button carries to show this period again: ``all`` or ``YYYYMMDD-YYYYMMDD``."""
        if self.range is None:
            return "all"
        return f"{self.range.start:%Y%m%d}-{self.range.end:%Y%m%d}"

    def covers(self, article: Article) -> bool:
        """Whether the article's date falls in the period (any article, for ``all``)."""
        if self.range is None:
            return True
        dated = article_range(article.date)
        return dated is not None and dated.overlaps(self.range)

    def describe(self) -> str:
        """``2018-05-20 – 2018-05-26``, ``2018-05-26`` or ``the whole briefing``."""
        if self.range is None:
            return "the whole briefing"
        start, end = self.range.start.isoformat(), self.range.end.isoformat()
        return start if start == end else f"{start} – {end}"


def read_period(text: str, newest: datetime.date) -> Period | None:
    """The period asked for: ``today`` (the newest article's day), ``week`` (the seven days up to
    it; also when nothing is asked), ``all``, a date, or a button's code; None for anything else.
    """
    asked = text.strip().lower() or "week"
    coded = re.fullmatch(r"(\d{8})-(\d{8})", asked)
    if coded:
        try:
            start, end = (datetime.datetime.strptime(d, "%Y%m%d").date() for d in coded.groups())
        except ValueError:
            return None
        return Period(start.isoformat() if start == end else "week", DateRange(start, end))
    if not _PERIOD.fullmatch(asked):
        return None
    if asked == "all":
        return Period("all", None)
    if asked == "today":
        return Period("today", DateRange(newest, newest))
    if asked == "week":
        return Period("week", DateRange(newest - datetime.timedelta(days=6), newest))
    try:
        day = datetime.date.fromisoformat(asked)
    except ValueError:
        return None
    return Period(asked, DateRange(day, day))


@dataclass(frozen=True, slots=True)
class Story:
    """One story of the digest.

    Attributes:
        headline: The title of the article that shows it.
        date: The newest date of its articles (None when all are undated).
        articles: The articles that tell it, the one shown first.
        summary: The shown article's sentences nearest the story's centre, in reading order,
            one ``Citation`` per passage (its ``versions``: the other articles' leads).
    """

    headline: str
    date: str | None
    articles: tuple[Article, ...]
    summary: tuple[Citation, ...]

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages it is told in, the shown article's first."""
        return tuple(dict.fromkeys(article.language for article in self.articles))

    @property
    def sources(self) -> tuple[str, ...]:
        """Who tells it: each article's agency, else its file."""
        return tuple(dict.fromkeys(article.agency or article.file for article in self.articles))


@dataclass(frozen=True, slots=True)
class Digest:
    """The stories of a period, ranked; how many articles of the briefing are undated."""

    period: Period
    stories: tuple[Story, ...]
    undated: int


def numbered(digest: Digest, first: int = 0, count: int | None = None) -> list[Story]:
    """Stories ``first`` to ``first + count`` with their citations numbered from 1 in order."""
    shown = digest.stories[first : None if count is None else first + count]
    stories, n = [], 0
    for story in shown:
        summary = []
        for citation in story.summary:
            n += 1
            summary.append(replace(citation, n=n))
        stories.append(replace(story, summary=tuple(summary)))
    return stories


def make_digest(index: StoredIndex, period: Period, language: str | None = None) -> Digest:
    """The digest of ``period``; stories shown in ``language`` where they are told in it."""
    articles = [a for a in index.articles.values() if period.covers(a)]
    by_source = _passages_by_source(index, {a.source for a in articles})
    groups = _stories(index, articles, by_source)
    stories = [_story(index, group, by_source, language) for group in groups]
    stories.sort(key=_rank)
    undated = sum(1 for a in index.articles.values() if article_range(a.date) is None)
    return Digest(period, tuple(stories), 0 if period.range is None else undated)


def _rank(story: Story) -> tuple[int, int, bool, str, str]:
    # Newest first within a rank (the date's characters inverted sort it backwards), the
    # undated last.
    backwards = "".join(chr(0x10FFFF - ord(c)) for c in story.date or "")
    return (
        -len(story.languages),
        -len(story.articles),
        story.date is None,
        backwards,
        story.headline,
    )


def _passages_by_source(index: StoredIndex, sources: set[str]) -> dict[str, list[Passage]]:
    found: dict[str, list[Passage]] = defaultdict(list)
    for passage in index.passages:
        if passage.source in sources:
            found[passage.source].append(passage)
    for passages in found.values():
        passages.sort(key=lambda p: (p.paragraph, p.start))
    return found


def _stories(
    index: StoredIndex, articles: list[Article], by_source: dict[str, list[Passage]]
) -> list[list[Article]]:
    """The articles grouped by story: linked when a lead passage of one has a version in the
    other (both in the period)."""
    leads = [p.id for a in articles for p in by_source.get(a.source, [])[:LEAD_PASSAGES]]
    parent = {a.source: a.source for a in articles}

    def root(source: str) -> str:
        while parent[source] != source:
            parent[source] = parent[parent[source]]
            source = parent[source]
        return source

    for passage_id, versions in find_versions(index, leads).items():
        mine = index.passages[passage_id].source
        for version in versions:
            if version.article.source in parent:
                parent[root(version.article.source)] = root(mine)
    groups: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        groups[root(article.source)].append(article)
    return list(groups.values())


def _story(
    index: StoredIndex,
    group: list[Article],
    by_source: dict[str, list[Passage]],
    language: str | None,
) -> Story:
    vectors = {a.source: _vectors(index, by_source.get(a.source, [])) for a in group}
    centre = _unit(np.concatenate([v for v in vectors.values() if len(v)]).mean(axis=0))
    nearness = {source: float(_unit(v.mean(axis=0)) @ centre) for source, v in vectors.items()}
    shown = max(
        group,
        key=lambda a: (a.language == language, nearness[a.source], a.source),
    )
    others = [a for a in group if a is not shown]
    ordered = (shown, *sorted(others, key=lambda a: (-nearness[a.source], a.source)))
    versions = tuple(
        Hit(by_source[a.source][0], a, nearness[a.source])
        for a in ordered[1:]
        if by_source.get(a.source)
    )
    dated = [(found.end, a.date) for a in group if (found := article_range(a.date)) is not None]
    return Story(
        headline=shown.title,
        date=max(dated)[1] if dated else None,
        articles=ordered,
        summary=_summary(index, by_source.get(shown.source, []), shown, centre, versions),
    )


def _summary(
    index: StoredIndex,
    passages: list[Passage],
    article: Article,
    centre: npt.NDArray[np.float32],
    versions: tuple[Hit, ...],
) -> tuple[Citation, ...]:
    """The article's ``SUMMARY_SENTENCES`` sentences nearest ``centre``, in reading order."""
    scored: list[tuple[float, int, tuple[int, int]]] = []
    for passage in passages:
        cosines = index.passage_sentence_vectors(passage.id) @ centre
        for sentence, cosine in zip(passage.sentences, cosines, strict=True):
            scored.append((float(cosine), passage.id, sentence))

    def words(item: tuple[float, int, tuple[int, int]]) -> int:
        return len(index.passages[item[1]].excerpt(*item[2]).split())

    full = [item for item in scored if words(item) >= SUMMARY_MIN_WORDS] or scored
    best = sorted(full, key=lambda s: (-s[0], s[1], s[2]))[:SUMMARY_SENTENCES]
    chosen: dict[int, list[tuple[float, tuple[int, int]]]] = defaultdict(list)
    for cosine, passage_id, sentence in best:
        chosen[passage_id].append((cosine, sentence))
    return tuple(
        Citation(
            0,
            Hit(index.passages[pid], article, max(c for c, _ in picked)),
            tuple(sorted(s for _, s in picked)),
            versions,
        )
        for pid, picked in sorted(chosen.items(), key=lambda item: _order(index, item[0]))
    )


def _order(index: StoredIndex, passage_id: int) -> tuple[int, int]:
    passage = index.passages[passage_id]
    return passage.paragraph, passage.start


def _vectors(index: StoredIndex, passages: Iterable[Passage]) -> npt.NDArray[np.float32]:
    ids = np.array([p.id for p in passages], dtype=np.int64)
    return index.passage_vectors(ids) if len(ids) else np.zeros((0, 1), dtype=np.float32)


def _unit(vector: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector
