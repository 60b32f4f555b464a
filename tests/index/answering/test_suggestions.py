from __future__ import annotations

from pathlib import Path

from index.answering.suggestions import names_in
from index.build import build_index
from index.pipeline import Pipeline
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


def test_an_unanswered_question_names_what_the_briefing_covers(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    strict = Pipeline.over(load_index(index_dir), fake_embedder, threshold=0.99)
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
