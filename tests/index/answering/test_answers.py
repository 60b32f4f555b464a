from __future__ import annotations

from pathlib import Path

import pytest

from index.answering.answers import NOT_COVERED
from index.build import build_index
from index.service import Pipeline
from index.store.folder import load_index
from tests.conftest import LAVROV_SOURCE
from tests.support.fakes import FakeEmbedder


@pytest.fixture
def answerer(seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder) -> Pipeline:
    (seeds_dir / "quote.txt").write_text(
        "Embassy statement\n\n"
        "The embassy spoke on Friday. « La partie russe a proposé des consultations. "
        "Notre offre est ignorée », a déclaré Andreï Kelin. The talks ended without a date.\n",
        encoding="utf-8",
    )
    build_index(seeds_dir, index_dir, fake_embedder)
    return Pipeline.over(load_index(index_dir), fake_embedder, threshold=0.05)


def _check_citations(answer, seeds_dir: Path) -> None:  # type: ignore[no-untyped-def]
    for citation in answer.citations:
        text = (seeds_dir / citation.hit.passage.source).read_text(encoding="utf-8")
        assert (
            text[citation.hit.passage.start : citation.hit.passage.end] == citation.hit.passage.text
        )
        for start, end in citation.sentences:
            assert citation.hit.passage.start <= start < end <= citation.hit.passage.end
            assert text[start:end] in answer.text
        assert f"[{citation.n}]" in answer.text


def test_speaker_question_quotes_the_speaker(answerer: Pipeline, seeds_dir: Path) -> None:
    answer = answerer.answer("What did Zakharova say?")
    assert answer.found
    first = answer.citations[0]
    assert (first.hit.passage.source, first.hit.passage.paragraph) == (LAVROV_SOURCE, 6)
    assert answer.text.startswith(
        "The official representative of Russian foreign Ministry Maria Zakharova said"
    )
    assert "Petra Pau" not in answer.text
    _check_citations(answer, seeds_dir)


def test_speaker_answer_takes_in_the_whole_quotation(answerer: Pipeline, seeds_dir: Path) -> None:
    answer = answerer.answer("Qu'a déclaré Kelin ?")
    assert answer.found
    assert answer.citations[0].hit.passage.source == "quote.txt"
    assert answer.text.startswith("« La partie russe a proposé des consultations.")
    assert "a déclaré Andreï Kelin." in answer.text
    assert "The embassy spoke on Friday" not in answer.text
    _check_citations(answer, seeds_dir)


def test_direct_quotes_come_before_mere_mentions(answerer: Pipeline) -> None:
    answer = answerer.answer("What did Lavrov say?")
    sources = [(c.hit.passage.source, c.hit.passage.paragraph) for c in answer.citations]
    assert sources[0] == (LAVROV_SOURCE, 6)
    assert answer.text.startswith("The Russian foreign Minister Sergei Lavrov said")
    assert [h.passage.id for h in answer.hits[: len(sources)]] == [
        c.hit.passage.id for c in answer.citations
    ]


def test_other_questions_take_the_closest_sentences(answerer: Pipeline, seeds_dir: Path) -> None:
    answer = answerer.answer("freezing of assets and bans on travel")
    assert answer.found
    assert "freezing of assets and bans on travel" in answer.text
    _check_citations(answer, seeds_dir)


def test_abstains_below_the_threshold_and_offers_the_closest_passage(
    answerer: Pipeline, seeds_dir: Path
) -> None:
    strict = Pipeline.over(answerer.index, answerer.embedder, threshold=0.99)
    answer = strict.answer("Who won the World Cup?")
    assert not answer.found
    assert answer.text.startswith(NOT_COVERED)
    assert "closest passage" in answer.text and answer.text.endswith("[1]")
    assert len(answer.citations) == 1
    _check_citations(answer, seeds_dir)


def test_a_story_told_by_two_articles_is_cited_once_with_its_version(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    story = (
        "Sergei Lavrov met Boris Johnson in Moscow on 22 December 2017 and proposed "
        "consultations on cyber security between the two ministries."
    )
    (seeds_dir / "wire.txt").write_text(f"Wire\n\n{story}\n", encoding="utf-8")
    repeat = story.replace("proposed", "offered")
    (seeds_dir / "repeat.txt").write_text(f"Repeat\n\n{repeat}\n", encoding="utf-8")
    build_index(seeds_dir, index_dir, fake_embedder)
    answerer = Pipeline.over(load_index(index_dir), fake_embedder, threshold=0.05)
    answer = answerer.answer("Did Lavrov and Johnson meet in Moscow about cyber security?")
    sources = [c.hit.passage.source for c in answer.citations]
    assert len(set(sources) & {"wire.txt", "repeat.txt"}) == 1, sources
    grouped = next(
        c for c in answer.citations if c.hit.passage.source in {"wire.txt", "repeat.txt"}
    )
    assert [v.passage.source for v in grouped.versions] == sorted(
        {"wire.txt", "repeat.txt"} - {grouped.hit.passage.source}
    )
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert answer.text.count("22 December 2017") == 1
    _check_citations(answer, seeds_dir)
