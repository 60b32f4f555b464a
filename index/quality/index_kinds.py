"""Every FAISS index kind the scale bench compares, HNSW included, built on demand.

The product builds only what ``index.store.vectors.kinds`` chooses by size (exact, then
IVF); the bench also builds HNSW, the alternative that choice was measured against, and
builds any kind at any size so the kinds can be compared on the same set.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

import faiss
import numpy as np

from index.embedding.models import Vectors
from index.store.vectors.kinds import concrete_index, describe_index, flat_index, ivf_index

BenchKind = Literal["flat", "hnsw", "ivf"]
INDEX_KINDS: tuple[str, ...] = get_args(BenchKind)

# M 16 with efConstruction 40 reached only 0.91 at 100k; M 32 needs efSearch 256 for 0.99
# (128: 0.93). FAISS does not widen the search beam to k, so efSearch must also exceed the
# ~100 candidates the searcher asks for.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 256


def build_index(vectors: Vectors, kind: BenchKind) -> faiss.Index:
    """An inner-product index of ``kind`` holding ``vectors``, row ``i`` under id ``i``.

    Raises:
        ValueError: ``kind`` is unknown or ``vectors`` is not a 2-D array.
    """
    if kind == "flat":
        return flat_index(vectors)
    if kind == "ivf":
        return ivf_index(vectors)
    if kind != "hnsw":
        raise ValueError(f"unknown index kind {kind!r}; valid kinds: {', '.join(INDEX_KINDS)}")
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array, got shape {vectors.shape}")
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    index = faiss.IndexHNSWFlat(data.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    if len(data):
        index.add(data)
    return tune_hnsw(index)


def tune_hnsw(index: faiss.Index) -> faiss.Index:
    """Sets an HNSW index's efSearch (lost when it is serialized); other kinds pass through."""
    index = concrete_index(index)
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    return index


def describe_kind(index: faiss.Index) -> str:
    """A short name of any kind, e.g. ``"HNSW32 (efSearch 256)"`` or ``"Flat (exact)"``."""
    index = concrete_index(index)
    if isinstance(index, faiss.IndexHNSW):
        graph: Any = index.hnsw  # nb_neighbors is missing from faiss's type stubs
        return f"HNSW{graph.nb_neighbors(1)} (efSearch {index.hnsw.efSearch})"
    return describe_index(index)
