from __future__ import annotations

from collections.abc import Callable

import faiss
import numpy as np
import pytest

from index.embedding.models import Vectors
from index.store.vectors import kinds as ann
from index.store.vectors.kinds import (
    choose_index_kind,
    describe_index,
    flat_index,
    ivf_index,
    new_faiss_index,
    tune_for_search,
)
from tests.support.vectors import brute_force_top, recall, unit_rows

BUILDERS: dict[str, Callable[[Vectors], faiss.Index]] = {"flat": flat_index, "ivf": ivf_index}


@pytest.fixture(scope="module")
def vectors() -> Vectors:
    return unit_rows(2000)


@pytest.fixture(scope="module")
def built(vectors: Vectors) -> dict[str, faiss.Index]:
    """One index of each kind the product builds over ``vectors``; tests must not change them."""
    return {kind: build(vectors) for kind, build in BUILDERS.items()}


@pytest.fixture(scope="module")
def queries() -> Vectors:
    return unit_rows(50, seed=1)


@pytest.mark.parametrize(("kind", "minimum"), [("flat", 1.0), ("ivf", 0.95)])
def test_search_agrees_with_brute_force(
    vectors: Vectors, queries: Vectors, built: dict[str, faiss.Index], kind: str, minimum: float
) -> None:
    index = built[kind]
    scores, ids = index.search(queries, 10)
    assert recall(brute_force_top(vectors, queries, 10), ids) >= minimum
    # Scores are inner products of the returned rows: ids are row numbers.
    expected = np.einsum("qd,qkd->qk", queries, vectors[ids])
    np.testing.assert_allclose(scores, expected, atol=1e-5)


@pytest.mark.parametrize("kind", BUILDERS)
def test_reconstruct_batch_returns_the_stored_rows(
    vectors: Vectors, built: dict[str, faiss.Index], kind: str
) -> None:
    ids = np.array([0, 17, 1999, 1000], dtype=np.int64)
    np.testing.assert_array_equal(built[kind].reconstruct_batch(ids), vectors[ids])


@pytest.mark.parametrize("kind", BUILDERS)
def test_serialized_index_keeps_results_and_search_parameters(
    queries: Vectors, built: dict[str, faiss.Index], kind: str
) -> None:
    index = built[kind]
    loaded = faiss.deserialize_index(faiss.serialize_index(index))
    assert describe_index(loaded) == describe_index(index)
    np.testing.assert_array_equal(loaded.search(queries, 10)[1], index.search(queries, 10)[1])
    assert describe_index(tune_for_search(loaded)) == describe_index(index)


def test_tune_for_search_restores_changed_parameters(built: dict[str, faiss.Index]) -> None:
    ivf = faiss.deserialize_index(faiss.serialize_index(built["ivf"]))
    ivf.nprobe = 1
    assert tune_for_search(ivf).nprobe == ann.ivf_probe_count(ivf.nlist)


def test_descriptions_name_kind_and_parameters(
    vectors: Vectors, built: dict[str, faiss.Index]
) -> None:
    assert describe_index(built["flat"]) == "Flat (exact)"
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


def test_new_index_follows_the_size() -> None:
    assert describe_index(new_faiss_index(unit_rows(100))) == "Flat (exact)"


@pytest.mark.parametrize("count", [0, 1, 38, 200])
@pytest.mark.parametrize("kind", BUILDERS)
def test_empty_and_small_inputs(count: int, kind: str) -> None:
    rows = unit_rows(count, seed=2)
    index = BUILDERS[kind](rows)
    assert index.ntotal == count
    queries = unit_rows(3, seed=3)
    ids = index.search(queries, 5)[1]
    if count:
        # Small sets are searched exactly whatever the kind.
        want = brute_force_top(rows, queries, min(5, count))
        assert recall(want, ids[:, : min(5, count)]) == pytest.approx(1.0)
    else:
        assert (ids == -1).all()


def test_ivf_list_count_leaves_enough_points_per_list() -> None:
    assert ann.ivf_list_count(0) == 1
    assert ann.ivf_list_count(100) == 2
    assert ann.ivf_list_count(1_000_000) == 4000


@pytest.mark.parametrize("build", [new_faiss_index, *BUILDERS.values()])
def test_rejects_a_bad_shape(vectors: Vectors, build: Callable[[Vectors], faiss.Index]) -> None:
    with pytest.raises(ValueError, match="2-D"):
        build(vectors[0])
