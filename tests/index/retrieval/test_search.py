from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.build import build_index
from index.retrieval.search import FusionParams, Searcher
from index.store.folder import load_index
from tests.conftest import LAVROV_SOURCE
from tests.support.fakes import FakeEmbedder


@pytest.fixture
def index_with(seeds_dir: Path, index_dir: Path):  # type: ignore[no-untyped-def]
    def build(embedder: FakeEmbedder):  # type: ignore[no-untyped-def]
        build_index(seeds_dir, index_dir, embedder)
        return load_index(index_dir)

    return build


def test_dense_score_mixes_passage_and_best_sentence(index_with) -> None:  # type: ignore[no-untyped-def]
    embedder = FakeEmbedder()
    index = index_with(embedder)
    question = "Zakharova firmly rejects the accusations"
    query = embedder.embed_queries([question])[0]
    hits = Searcher(index, embedder, mode="dense").search(question, k=20)
    for hit in hits:
        passage_cosine = float(index.passage_vectors(np.array([hit.passage.id]))[0] @ query)
        best_sentence = float((index.passage_sentence_vectors(hit.passage.id) @ query).max())
        assert hit.score == pytest.approx(0.3 * passage_cosine + 0.7 * best_sentence, abs=1e-5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_hybrid_lets_a_rare_name_decide_where_dense_is_unsure(index_with) -> None:  # type: ignore[no-untyped-def]
    # Two dimensions: the fake dense model can hardly tell passages apart.
    embedder = FakeEmbedder(dimension=2, name="fake-2")
    index = index_with(embedder)
    hybrid = Searcher(index, embedder, mode="hybrid", fusion=FusionParams(lexical_weight=1.0))
    best = hybrid.search("NotPetya", k=3)[0]
    assert "NotPetya" in best.passage.text and best.lexical > 0
    lexical = Searcher(index, embedder, mode="lexical").search("NotPetya", k=3)
    assert len(lexical) == 1 and lexical[0].passage.id == best.passage.id


def test_lexical_scores_are_normalized_within_each_language(index_with) -> None:  # type: ignore[no-untyped-def]
    embedder = FakeEmbedder()
    searcher = Searcher(index_with(embedder), embedder)
    scores = searcher._lexical_scores("Lavrov")
    assert scores is not None
    by_language: dict[str, float] = {}
    for passage, score in zip(searcher.index.passages, scores, strict=True):
        language = searcher.index.articles[passage.source].language
        by_language[language] = max(by_language.get(language, 0.0), float(score))
    # Lavrov is named in the English and the French article: each has a passage scoring 1.
    assert by_language == {"en": pytest.approx(1.0), "fr": pytest.approx(1.0)}


def test_without_diversity_a_paragraph_may_give_several_passages(index_with) -> None:  # type: ignore[no-untyped-def]
    embedder = FakeEmbedder()
    searcher = Searcher(index_with(embedder), embedder)
    query = embedder.embed_queries(["Lavrov"])
    paragraphs = [
        (h.passage.source, h.passage.paragraph)
        for h in searcher.search("Lavrov", 50, query, diverse=False)
    ]
    assert paragraphs.count((LAVROV_SOURCE, 6)) == 2
    assert len(paragraphs) == len(searcher.index.passages)


def test_unknown_mode_lists_the_valid_ones(index_with) -> None:  # type: ignore[no-untyped-def]
    embedder = FakeEmbedder()
    with pytest.raises(ValueError, match="dense"):
        Searcher(index_with(embedder), embedder, mode="fuzzy")  # type: ignore[arg-type]


def test_search_many_equals_search(index_with) -> None:  # type: ignore[no-untyped-def]
    embedder = FakeEmbedder()
    searcher = Searcher(index_with(embedder), embedder)
    questions = ["Lavrov", "Boris Johnson", "sanctions"]
    together = searcher.search_many(questions, k=4)
    for question, hits in zip(questions, together, strict=True):
        alone = searcher.search(question, k=4)
        assert [h.passage.id for h in hits] == [h.passage.id for h in alone]
        np.testing.assert_allclose(
            [h.relevance for h in hits], [h.relevance for h in alone], rtol=1e-6
        )
