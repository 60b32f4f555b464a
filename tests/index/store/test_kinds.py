from __future__ import annotations

import faiss
import numpy as np
import numpy.typing as npt
import pytest

from index.embedding.models import Vectors
from index.store.vectors import kinds as ann
from index.store.vectors.kinds import (
    INDEX_KINDS,
    IndexKind,
    choose_index_kind,
    describe_index,
    new_faiss_index,
    tune_for_search,
)

DIMENSION = 32


def _unit_rows(count: int, seed: int = 0) -> Vectors:
    """Clustered unit vectors: 40 topics, so approximate search has structure to exploit."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, DIMENSION))
    rows = centres[rng.integers(40, size=count)] + 0.5 * rng.standard_normal((count, DIMENSION))
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows.astype(np.float32)


def _brute_force_top(vectors: Vectors, queries: Vectors, k: int) -> npt.NDArray[np.int64]:
    return np.argsort(-(queries @ vectors.T), axis=1, kind="stable")[:, :k]


def _recall(truth: npt.NDArray[np.int64], found: npt.NDArray[np.int64]) -> float:
    return float(
        np.mean([np.isin(want, got).mean() for want, got in zip(truth, found, strict=True)])
    )


@pytest.fixture(scope="module")
def vectors() -> Vectors:
    return _unit_rows(2000)


@pytest.fixture(scope="module")
def built(vectors: Vectors) -> dict[str, faiss.Index]:
    """One index of each kind over ``vectors``; tests must not change them."""
    return {kind: new_faiss_index(vectors, kind) for kind in INDEX_KINDS}


@pytest.fixture(scope="module")
def queries() -> Vectors:
    return _unit_rows(50, seed=1)


@pytest.mark.parametrize(("kind", "minimum"), [("flat", 1.0), ("hnsw", 0.95), ("ivf", 0.95)])
def test_search_agrees_with_brute_force(
    vectors: Vectors, queries: Vectors, built: dict[str, faiss.Index], kind: str, minimum: float
) -> None:
    index = built[kind]
    scores, ids = index.search(queries, 10)
    assert _recall(_brute_force_top(vectors, queries, 10), ids) >= minimum
    # Scores are inner products of the returned rows: ids are row numbers.
    expected = np.einsum("qd,qkd->qk", queries, vectors[ids])
    np.testing.assert_allclose(scores, expected, atol=1e-5)


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_reconstruct_batch_returns_the_stored_rows(
    vectors: Vectors, built: dict[str, faiss.Index], kind: str
) -> None:
    ids = np.array([0, 17, 1999, 1000], dtype=np.int64)
    np.testing.assert_array_equal(built[kind].reconstruct_batch(ids), vectors[ids])


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_serialized_index_keeps_results_and_search_parameters(
    queries: Vectors, built: dict[str, faiss.Index], kind: str
) -> None:
    index = built[kind]
    loaded = faiss.deserialize_index(faiss.serialize_index(index))
    assert describe_index(loaded) == describe_index(index)
    np.testing.assert_array_equal(loaded.search(queries, 10)[1], index.search(queries, 10)[1])
    assert describe_index(tune_for_search(loaded)) == describe_index(index)


def test_tune_for_search_restores_changed_parameters(built: dict[str, faiss.Index]) -> None:
    hnsw = faiss.deserialize_index(faiss.serialize_index(built["hnsw"]))
    ivf = faiss.deserialize_index(faiss.serialize_index(built["ivf"]))
    hnsw.hnsw.efSearch, ivf.nprobe = 1, 1
    assert tune_for_search(hnsw).hnsw.efSearch == ann.HNSW_EF_SEARCH
    assert tune_for_search(ivf).nprobe == ann.ivf_probe_count(ivf.nlist)


def test_descriptions_name_kind_and_parameters(
    vectors: Vectors, built: dict[str, faiss.Index]
) -> None:
    assert describe_index(built["flat"]) == "Flat (exact)"
    assert describe_index(built["hnsw"]) == f"HNSW{ann.HNSW_M} (efSearch {ann.HNSW_EF_SEARCH})"
    lists = ann.ivf_list_count(len(vectors))
    assert describe_index(built["ivf"]) == (
        f"IVF{lists},Flat (nprobe {ann.ivf_probe_count(lists)})"
    )


def test_choose_index_kind_by_size() -> None:
    assert choose_index_kind(0) == "flat"
    assert choose_index_kind(ann.FLAT_MAX_SIZE) == "flat"
    assert choose_index_kind(ann.FLAT_MAX_SIZE + 1) == ann.LARGE_INDEX_KIND
    with pytest.raises(ValueError, match="cannot hold"):
        choose_index_kind(-1)


def test_kind_none_chooses_by_size() -> None:
    assert describe_index(new_faiss_index(_unit_rows(100))) == "Flat (exact)"


@pytest.mark.parametrize("count", [0, 1, 38, 200])
@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_empty_and_small_inputs(count: int, kind: IndexKind) -> None:
    rows = _unit_rows(count, seed=2)
    index = new_faiss_index(rows, kind)
    assert index.ntotal == count
    queries = _unit_rows(3, seed=3)
    ids = index.search(queries, 5)[1]
    if count:
        # Small sets are searched exactly whatever the kind.
        want = _brute_force_top(rows, queries, min(5, count))
        assert _recall(want, ids[:, : min(5, count)]) == pytest.approx(1.0)
    else:
        assert (ids == -1).all()


def test_ivf_list_count_leaves_enough_points_per_list() -> None:
    assert ann.ivf_list_count(0) == 1
    assert ann.ivf_list_count(100) == 2
    assert ann.ivf_list_count(1_000_000) == 4000


def test_rejects_unknown_kind_and_bad_shape(vectors: Vectors) -> None:
    with pytest.raises(ValueError, match="valid kinds: flat, hnsw, ivf"):
        new_faiss_index(vectors, "lsh")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="2-D"):
        new_faiss_index(vectors[0])
