from __future__ import annotations

import numpy as np
import pytest

from index.embedding.models import Vectors
from index.quality import scale
from index.quality.index_kinds import INDEX_KINDS
from index.quality.scale import ScaleFigures, run_scale_bench, synthetic_vectors

DIMENSION = 64


def _anchors(count: int = 50, seed: int = 0) -> Vectors:
    """Random unit vectors around one common direction, as real embeddings are."""
    rng = np.random.default_rng(seed)
    rows = 2.0 + rng.standard_normal((count, DIMENSION))
    rows[:, 1:] -= 2.0
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows.astype(np.float32)


def test_synthetic_vectors_are_unit_rows_of_the_anchors_dimension() -> None:
    vectors = synthetic_vectors(_anchors(), 3000)
    assert vectors.shape == (3000, DIMENSION)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_synthetic_vectors_are_deterministic() -> None:
    anchors = _anchors()
    np.testing.assert_array_equal(synthetic_vectors(anchors, 500), synthetic_vectors(anchors, 500))
    assert not np.array_equal(synthetic_vectors(anchors, 500), synthetic_vectors(anchors, 500, 1))


def test_synthetic_vectors_resemble_the_anchors() -> None:
    anchors = _anchors()
    vectors = synthetic_vectors(anchors, 2000)
    nearest_anchor = (vectors @ anchors.T).max(axis=1)
    anchor_cosines = anchors @ anchors.T
    typical = anchor_cosines[~np.eye(len(anchors), dtype=bool)].mean()
    # As close to some anchor as anchors are to each other, but not copies of them.
    assert typical - 0.05 < np.median(nearest_anchor) < 0.99
    # The common direction is kept: mean cosine between vectors is the anchors' own.
    pairs = vectors[:500] @ vectors[500:1000].T
    assert abs(pairs.mean() - typical) < 0.05


def test_synthetic_vectors_have_close_neighbours() -> None:
    vectors = synthetic_vectors(_anchors(), 2000)
    cosines = vectors @ vectors.T
    np.fill_diagonal(cosines, -1.0)
    # Texts come in topics: a vector's nearest neighbour is far closer than a typical one.
    assert np.median(cosines.max(axis=1)) > cosines.mean() + 0.1


@pytest.mark.parametrize("size", [0, 1, 7, 49, 50, 51, 401])
def test_synthetic_vectors_of_any_size(size: int) -> None:
    assert synthetic_vectors(_anchors(), size).shape == (size, DIMENSION)


def test_synthetic_vectors_reject_too_few_anchors() -> None:
    with pytest.raises(ValueError, match="at least 2 anchors"):
        synthetic_vectors(_anchors(1), 10)


def test_run_scale_bench_measures_every_kind_at_every_size() -> None:
    queries = _anchors(20, seed=5)
    figures = run_scale_bench(_anchors(), queries, sizes=(200, 600))
    assert [(f.size, f.kind) for f in figures] == [
        (size, kind) for size in (200, 600) for kind in INDEX_KINDS
    ]
    for figure in figures:
        assert isinstance(figure, ScaleFigures)
        assert figure.build_seconds >= 0
        assert 0 < figure.search_p50_ms < 1000
        assert 0 < figure.search_k10_p50_ms < 1000
        # Every kind keeps the float32 vectors: at least size x dimension x 4 bytes.
        assert figure.memory_mib >= 0.99 * figure.size * DIMENSION * 4 / 2**20
        assert 0.8 <= figure.recall_at_10 <= figure.recall_10_at_100 <= 1.0
    flat = [figure for figure in figures if figure.kind == "flat"]
    assert all(figure.recall_at_10 == pytest.approx(1.0) for figure in flat)
    assert flat[0].description == "Flat (exact)"


def test_run_scale_bench_measures_chosen_kinds_only() -> None:
    figures = run_scale_bench(_anchors(), _anchors(5, seed=5), sizes=(200,), kinds=("ivf",))
    assert [figure.kind for figure in figures] == ["ivf"]
    assert figures[0].description.startswith("IVF")


def test_run_scale_bench_rejects_unknown_kinds_and_no_queries() -> None:
    with pytest.raises(ValueError, match="flat, hnsw, ivf"):
        run_scale_bench(_anchors(), _anchors(5), sizes=(100,), kinds=("lsh",))
    with pytest.raises(ValueError, match="need queries"):
        run_scale_bench(_anchors(), _anchors()[:0], sizes=(100,))


def test_run_scale_bench_leaves_out_large_hnsw_unless_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(scale, "HNSW_DEFAULT_MAX_SIZE", 100)
    anchors, queries = _anchors(), _anchors(5, seed=5)
    default = run_scale_bench(anchors, queries, sizes=(100, 150))
    assert [(f.size, f.kind) for f in default] == [
        (100, "flat"),
        (100, "hnsw"),
        (100, "ivf"),
        (150, "flat"),
        (150, "ivf"),
    ]
    asked = run_scale_bench(anchors, queries, sizes=(150,), kinds=("hnsw",))
    assert [figure.kind for figure in asked] == ["hnsw"]
