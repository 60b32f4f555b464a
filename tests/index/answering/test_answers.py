from __future__ import annotations

from pathlib import Path

import pytest

from index.answering.answers import NOT_COVERED
from index.build import build_index
from index.pipeline import Pipeline
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


@pytest.fixture
def briefing(tmp_path: Path, fake_embedder: FakeEmbedder) -> Pipeline:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "cyber.txt").write_text(
        "Cyber attacks\n\n"
        "Ministers met in London on Tuesday. They spoke of attacks on banks.\n\n"
        "The talks turned to NotPetya. NotPetya is a virus that wiped computers in 2017. "
        "Anna Berg, a researcher at the institute, studied it.\n\n"
        "Berg said NotPetya spread through tax software. In 2018 the talks went on.\n",
        encoding="utf-8",
    )
    (seeds / "minister.txt").write_text(
        "Resignation\n\n"
        "The minister resigned on 24 May 2018 after the vote. Her deputy took over.\n",
        encoding="utf-8",
    )
    build_index(seeds, tmp_path / "index", fake_embedder)
    # A threshold no passage reaches: what answers below is the question's kind.
    return Pipeline.over(load_index(tmp_path / "index"), fake_embedder, threshold=0.99)


def test_who_is_x_is_answered_by_the_sentence_that_introduces_x(briefing: Pipeline) -> None:
    answer = briefing.answer("Who is Anna Berg?")
    assert answer.found and answer.confidence and answer.confidence.introduces
    assert answer.text == ("Anna Berg, a researcher at the institute, studied it. [1]")
    what = briefing.answer("What is NotPetya?")
    assert what.found and what.text == "The talks turned to NotPetya. [1]"  # its first mention
    assert not briefing.answer("Who is Boris Orlov?").found  # named nowhere
    assert not briefing.answer("What is the capital of France?").found  # no name asked


def test_what_happened_on_a_day_takes_the_sentences_of_that_day(briefing: Pipeline) -> None:
    answer = briefing.answer("What happened on 24 May 2018?")
    assert answer.found and answer.confidence and answer.confidence.tells_day
    # Only the day: "In 2018" is a whole year, it tells of no day.
    assert answer.text == "The minister resigned on 24 May 2018 after the vote. [1]"
    assert not briefing.answer("What happened on 3 March 2018?").found
