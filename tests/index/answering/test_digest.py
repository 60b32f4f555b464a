"""The digest over real indexes built with the fake embedder: periods, stories grouped by their
leads, ranking, central sentences, numbering."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from index.answering.digest import Period, make_digest, numbered, read_period
from index.build import build_index
from index.store.folder import StoredIndex, load_index
from tests.support.fakes import FakeEmbedder

NEWEST = datetime.date(2026, 3, 12)
HARBOUR = (
    "Tromsø harbour reopens\n\n"
    "The harbour of Tromsø reopened on Thursday after a storm closed it for three days, the "
    "harbour master Halvorsen said at the quay.\n\n"
    "Ferries were let in first, then the cargo ships that had waited outside the fjord.\n\n"
    "Fishermen said the closure cost them a week of catches and asked the council for help.\n"
)


def _period(name: str) -> Period:
    period = read_period(name, NEWEST)
    assert period is not None
    return period


def _briefing(tmp_path: Path, articles: dict[str, str]) -> StoredIndex:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name, text in articles.items():
        (seeds / name).write_text(text, encoding="utf-8")
    build_index(seeds, tmp_path / "index", FakeEmbedder())
    return load_index(tmp_path / "index")


@pytest.mark.parametrize(
    ("asked", "start", "end"),
    [
        ("", "2026-03-06", "2026-03-12"),
        ("week", "2026-03-06", "2026-03-12"),
        ("today", "2026-03-12", "2026-03-12"),
        ("2026-03-01", "2026-03-01", "2026-03-01"),
        ("20260301-20260307", "2026-03-01", "2026-03-07"),
    ],
)
def test_periods_count_back_from_the_newest_article(asked: str, start: str, end: str) -> None:
    period = read_period(asked, NEWEST)
    assert period is not None and period.range is not None
    assert (period.range.start.isoformat(), period.range.end.isoformat()) == (start, end)
    assert read_period(period.code, NEWEST) is not None
    assert read_period(period.code, NEWEST).range == period.range  # type: ignore[union-attr]


@pytest.mark.parametrize("asked", ["tomorrow", "2026-02-30", "20260231-20260301", "week 2"])
def test_what_is_no_period_is_refused(asked: str) -> None:
    assert read_period(asked, NEWEST) is None


def test_all_is_every_article_undated_ones_included() -> None:
    period = read_period("all", NEWEST)
    assert period is not None and period.range is None and period.code == "all"


def test_an_agency_copy_is_one_story_told_by_two_and_ranked_first(tmp_path: Path) -> None:
    index = _briefing(
        tmp_path,
        {
            "a-harbour.txt": "date 2026-03-12\n" + HARBOUR,
            "b-harbour-copy.txt": "date 2026-03-11\n" + HARBOUR.replace("Thursday", "Thursday "),
            "c-wind.txt": "date 2026-03-12\nWind farm approved\n\nThe county approved the "
            "offshore wind farm of forty turbines off Bodø on Wednesday, the developer said.\n",
            "d-old.txt": "date 2026-01-02\nOld news\n\nThe ferry timetable for the winter was "
            "published in January by the county transport office.\n",
        },
    )
    digest = make_digest(index, _period("week"))
    assert [len(s.articles) for s in digest.stories] == [2, 1]  # the old one is out of the week
    harbour, wind = digest.stories
    assert harbour.headline == "Tromsø harbour reopens" and harbour.date == "2026-03-12"
    assert {a.source for a in harbour.articles} == {"a-harbour.txt", "b-harbour-copy.txt"}
    assert wind.headline == "Wind farm approved" and harbour.languages == ("en",)
    every = make_digest(index, _period("all"))
    assert [s.headline for s in every.stories][-1] == "Old news"  # fewest tellers, oldest


def test_the_summary_is_the_story_s_central_sentences_in_reading_order(tmp_path: Path) -> None:
    index = _briefing(tmp_path, {"a.txt": "date 2026-03-12\n" + HARBOUR})
    story = make_digest(index, _period("today")).stories[0]
    quoted = [c.hit.passage.excerpt(*s) for c in story.summary for s in c.sentences]
    assert len(quoted) == 2 and all(q in HARBOUR for q in quoted)
    assert [HARBOUR.index(q) for q in quoted] == sorted(HARBOUR.index(q) for q in quoted)
    numbers = [c.n for s in numbered(make_digest(index, _period("all"))) for c in s.summary]
    assert numbers == list(range(1, len(numbers) + 1))


def test_a_period_without_articles_has_no_stories_and_counts_the_undated(tmp_path: Path) -> None:
    index = _briefing(tmp_path, {"a.txt": HARBOUR, "b.txt": "date 2026-03-12\n" + HARBOUR[:60]})
    digest = make_digest(index, _period("2025-01-01"))
    assert digest.stories == () and digest.undated == 1
