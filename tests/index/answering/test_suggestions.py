from __future__ import annotations

from pathlib import Path

from index.answering.answers import Answerer
from index.answering.suggestions import names_in, not_covered_text
from index.build import build_index
from index.retrieval.search import Searcher
from index.store.folder import load_index
from tests.support.fakes import FakeEmbedder


def test_names_are_runs_of_capitals_without_titles_or_openers() -> None:
    text = (
        "The official representative of Russian foreign Ministry Maria Zakharova said so. "
        "« Ainsi, le procureur général de Jeremy Wright a parlé », a dit le diplomate à LONDRES."
    )
    assert names_in(text) == ["Russian", "Maria Zakharova", "Jeremy Wright", "Londres"]
    assert names_in("Minister Sergei Lavrov met Boris Johnson on Monday in May.") == [
        "Sergei Lavrov",
        "Boris Johnson",
    ]


def test_not_covered_speaks_the_question_language() -> None:
    assert not_covered_text("Who won the World Cup?", None, ()) == (
        "The briefing does not seem to cover this."
    )
    french = not_covered_text("Qui a gagné la Coupe du monde ?", "« … » [1]", ["Lavrov", "Paris"])
    assert french.startswith("Le briefing ne semble pas traiter de cette question.")
    assert "Lavrov et Paris" in french and french.endswith("Le passage le plus proche : « … » [1]")


def test_an_unanswered_question_names_what_the_briefing_covers(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    strict = Answerer(Searcher(load_index(index_dir), fake_embedder), threshold=0.99)
    answer = strict.answer("Qui a gagné la Coupe du monde à Londres ?")
    assert not answer.found and answer.suggestions
    assert "Londres" not in answer.suggestions, "the user named it already"
    assert any(" " in name for name in answer.suggestions), "people come first"
    assert answer.text.startswith("Le briefing ne semble pas")
    for suggestion in answer.suggestions:
        assert suggestion in answer.text
        assert any(suggestion in hit.passage.text for hit in answer.hits) or suggestion.lower() in (
            " ".join(hit.passage.text for hit in answer.hits).lower()
        )
