from __future__ import annotations

import faiss
import numpy as np
import pytest

from index.embedding.models import Vectors
from index.quality.index_kinds import (
    HNSW_EF_SEARCH,
    HNSW_M,
    INDEX_KINDS,
    BenchKind,
    build_index,
    describe_kind,
    tune_hnsw,
)
from index.store.vectors.kinds import describe_index, flat_index, ivf_index
from tests.support.vectors import brute_force_top, recall, unit_rows


@pytest.fixture(scope="module")
def vectors() -> Vectors:
    return unit_rows(2000)


def test_hnsw_agrees_with_brute_force_and_keeps_the_rows(vectors: Vectors) -> None:
    index = build_index(vectors, "hnsw")
    queries = unit_rows(50, seed=1)
    ids = index.search(queries, 10)[1]
    assert recall(brute_force_top(vectors, queries, 10), ids) >= 0.95
    rows = np.array([0, 17, 1999], dtype=np.int64)
    np.testing.assert_array_equal(index.reconstruct_batch(rows), vectors[rows])


def test_hnsw_search_parameter_is_set_again_after_a_load(vectors: Vectors) -> None:
    loaded = faiss.deserialize_index(faiss.serialize_index(build_index(vectors, "hnsw")))
    loaded_any = faiss.downcast_index(loaded)
    loaded_any.hnsw.efSearch = 1
    assert describe_kind(tune_hnsw(loaded_any)) == f"HNSW{HNSW_M} (efSearch {HNSW_EF_SEARCH})"


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_the_product_kinds_are_the_products_own_builds(vectors: Vectors, kind: BenchKind) -> None:
    product = {"flat": flat_index, "ivf": ivf_index}[kind](vectors)
    bench = build_index(vectors, kind)
    assert describe_kind(bench) == describe_index(product)
    queries = unit_rows(5, seed=4)
    np.testing.assert_array_equal(bench.search(queries, 10)[1], product.search(queries, 10)[1])


@pytest.mark.parametrize("kind", INDEX_KINDS)
def test_every_kind_takes_an_empty_set(kind: BenchKind) -> None:
    index = build_index(unit_rows(0), kind)
    assert index.ntotal == 0
    assert (index.search(unit_rows(2, seed=5), 3)[1] == -1).all()


def test_rejects_unknown_kind_and_bad_shape(vectors: Vectors) -> None:
    with pytest.raises(ValueError, match="valid kinds: flat, hnsw, ivf"):
        build_index(vectors, "lsh")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="2-D"):
        build_index(vectors[0], "hnsw")
