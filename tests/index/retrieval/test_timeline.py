from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from index.build import build_index
from index.pipeline import Pipeline
from index.retrieval.dating import Dating
from index.retrieval.question import read_question
from index.retrieval.search import Searcher
from index.retrieval.timeline import timeline
from index.store.folder import load_index
from tests.conftest import LAVROV_SOURCE
from tests.support.fakes import FakeEmbedder

FRENCH = "001_f51ee47ec4ee7eba.txt"


@pytest.fixture
def searcher(seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder) -> Searcher:
    build_index(seeds_dir, index_dir, fake_embedder)
    return Searcher(load_index(index_dir), fake_embedder)


def test_relative_time_counts_from_the_newest_article(searcher: Searcher) -> None:
    dating = Dating(searcher.index, today=date(2030, 1, 1))
    assert dating.newest == date(2018, 5, 26)
    last_week = read_question("What happened last week?", dating.newest).time.range
    assert last_week is not None and last_week.end == date(2018, 5, 20)


def test_passages_of_the_asked_time_come_first(searcher: Searcher) -> None:
    dating = Dating(searcher.index)
    hits = searcher.search("Lavrov cyber security consultations", k=8)
    ordered = dating.prefer(hits, read_question("… in December 2017?", dating.newest).time)
    first = ordered[0].passage
    assert (first.source, first.paragraph) in {(FRENCH, 2), (FRENCH, 3)}
    assert sorted(h.passage.id for h in ordered) == sorted(h.passage.id for h in hits)
    assert dating.prefer(hits, read_question("Lavrov?", dating.newest).time) == hits


def test_a_dated_question_cites_the_passage_of_that_date(searcher: Searcher) -> None:
    answerer = Pipeline.over(searcher.index, searcher.embedder, threshold=0.05)
    answer = answerer.answer("Qu'a dit Lavrov en décembre 2017 ?")
    assert answer.found
    assert (answer.citations[0].hit.passage.source, answer.citations[0].hit.passage.paragraph) == (
        FRENCH,
        2,
    )
    assert "22 décembre 2017" in answer.text


def test_timeline_orders_a_name_by_date_with_the_undated_last(searcher: Searcher) -> None:
    entries = timeline(searcher, Dating(searcher.index), read_question("Lavrov"))
    places = [(e.hit.passage.source, e.hit.passage.paragraph) for e in entries]
    assert places[0] == (FRENCH, 2) and (LAVROV_SOURCE, 6) in places
    dated = [e.when.start for e in entries if e.when is not None]
    assert dated == sorted(dated) and entries[0].when is not None
    assert entries[0].when.start == date(2017, 12, 22)
    for entry in entries:
        assert "lavrov" in entry.hit.passage.excerpt(*entry.sentence).lower()


def test_timeline_matches_names_in_any_case_or_script_and_nothing_else(searcher: Searcher) -> None:
    dating = Dating(searcher.index)
    capital = [e.hit.passage.id for e in timeline(searcher, dating, read_question("Lavrov"))]
    assert [
        e.hit.passage.id for e in timeline(searcher, dating, read_question("lavrov"))
    ] == capital
    assert [
        e.hit.passage.id for e in timeline(searcher, dating, read_question("Лавров"))
    ] == capital
    assert timeline(searcher, dating, read_question("bananas")) == []
    assert timeline(searcher, dating, read_question("the of")) == [], "stopwords name nothing"
