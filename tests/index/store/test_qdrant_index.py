"""The whole index over Qdrant (embedded, in memory): the same answers as over FAISS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from qdrant_client import QdrantClient

from index.build import build_index
from index.config import IndexSettings
from index.errors import ConfigError, IndexMismatchError
from index.pipeline import Pipeline
from index.store.folder import load_index
from index.store.vectors.qdrant_store import QdrantBackend, close_qdrant_clients
from tests.support.fakes import FakeEmbedder

QUESTIONS = ["What did Lavrov say?", "Zakharova accusations", "cyber security dialogue"]


@pytest.fixture
def qdrant() -> Iterator[QdrantBackend]:
    client = QdrantClient(":memory:")
    yield QdrantBackend(client)
    client.close()


def test_answers_over_qdrant_match_answers_over_faiss(
    seeds_dir: Path, tmp_path: Path, fake_embedder: FakeEmbedder, qdrant: QdrantBackend
) -> None:
    build_index(seeds_dir, tmp_path / "faiss", fake_embedder)
    build_index(seeds_dir, tmp_path / "qdrant", fake_embedder, backend=qdrant)
    over_faiss = load_index(tmp_path / "faiss")
    over_qdrant = load_index(tmp_path / "qdrant", backend=qdrant)
    assert over_qdrant.manifest.vector_store == "qdrant"
    assert over_qdrant.manifest.vector_sets["passages"].startswith("briefing-")
    for question in QUESTIONS:
        expected = Pipeline.over(over_faiss, fake_embedder, threshold=0.05).answer(question)
        got = Pipeline.over(over_qdrant, fake_embedder, threshold=0.05).answer(question)
        assert got.text == expected.text
        assert [h.passage.id for h in got.hits] == [h.passage.id for h in expected.hits]
        np.testing.assert_allclose([h.score for h in got.hits], [h.score for h in expected.hits])


def test_rebuilds_reuse_vectors_and_keep_only_the_current_and_previous_sets(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder, qdrant: QdrantBackend
) -> None:
    sets_of_builds = []
    for round_number in range(3):
        (seeds_dir / "extra.txt").write_text(
            f"Extra\n\nReport number {round_number}.\n", encoding="utf-8"
        )
        report = build_index(seeds_dir, index_dir, fake_embedder, backend=qdrant)
        sets_of_builds.append(
            set(load_index(index_dir, backend=qdrant).manifest.vector_sets.values())
        )
        if round_number:
            assert report.embedded == 1  # only the changed article, read back from Qdrant
    collections = {c.name for c in qdrant._client.get_collections().collections}
    assert collections == sets_of_builds[1] | sets_of_builds[2]


def test_a_qdrant_index_without_qdrant_configured_names_the_settings(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder, qdrant: QdrantBackend
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder, backend=qdrant)
    with pytest.raises(IndexMismatchError, match="BRIEFING_VECTOR_STORE=qdrant"):
        load_index(index_dir)


def test_switching_a_faiss_index_to_qdrant_rewrites_it_without_re_embedding(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder, qdrant: QdrantBackend
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    report = build_index(seeds_dir, index_dir, fake_embedder, backend=qdrant)
    assert report.written and report.embedded == 0
    assert load_index(index_dir, backend=qdrant).manifest.vector_store == "qdrant"


def test_settings_choose_the_vector_store(tmp_path: Path) -> None:
    assert IndexSettings.from_env({}).vector_backend().kind == "faiss"
    settings = IndexSettings.from_env(
        {"BRIEFING_VECTOR_STORE": "qdrant", "QDRANT_URL": str(tmp_path / "qdrant")}
    )
    try:
        assert settings.vector_backend().kind == "qdrant"
    finally:
        close_qdrant_clients()  # releases the embedded folder's lock
    with pytest.raises(ConfigError, match="QDRANT_URL"):
        IndexSettings.from_env({"BRIEFING_VECTOR_STORE": "qdrant"})
    with pytest.raises(ConfigError, match="BRIEFING_VECTOR_STORE=faiss"):
        IndexSettings.from_env({"BRIEFING_VECTOR_STORE": "milvus"})
