"""Which FAISS index holds a set of vectors, chosen by how many there are.

Every index here scores by inner product (the vectors are L2-normalized, so it is cosine),
gives row ``i`` the id ``i``, and keeps the full float32 vectors, so ``reconstruct_batch``
returns the stored rows exactly and the exact rescoring after search is unaffected.
The passage index and the sentence index (3-5 times larger) are chosen separately: the
sentence index crosses each threshold first.
The measurements behind the thresholds are in ``docs/scaling.md``.
"""

from __future__ import annotations

import math
from typing import Literal, get_args

import faiss
import numpy as np

from index.embedding import Vectors

IndexKind = Literal["flat", "hnsw", "ivf"]
INDEX_KINDS: tuple[str, ...] = get_args(IndexKind)

# Exact search scans every vector: about 10 ms per query at 100k on two cores, growing
# linearly, while the query embedding already costs 15-40 ms. Up to this size exact search
# is cheap enough that recall 1.0 and no build-time training are worth it.
FLAT_MAX_SIZE = 200_000
# HNSW searches fastest at high recall but its graph costs memory and a long build (see
# HNSW_M); IVF builds quickly and stays close to the raw vectors' size. Between the two
# thresholds HNSW's build is still minutes; above, IVF keeps a rebuild short.
HNSW_MAX_SIZE = 2_000_000

# 32 links per node: recall@10 >= 0.95 on e5-like vectors needed it; M 16 fell short.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
# About 4 * sqrt(N) inverted lists balances scanning the centroids against scanning lists.
IVF_LISTS_PER_SQRT = 4
# FAISS's k-means wants at least 39 training points per centroid.
IVF_MIN_POINTS_PER_LIST = 39
IVF_NPROBE_FRACTION = 1 / 32
IVF_MIN_NPROBE = 16


def choose_index_kind(size: int) -> IndexKind:
    """The index kind for ``size`` vectors: exact when small, approximate when large.

    Raises:
        ValueError: ``size`` is negative.
    """
    if size < 0:
        raise ValueError(f"an index cannot hold {size} vectors")
    if size <= FLAT_MAX_SIZE:
        return "flat"
    return "hnsw" if size <= HNSW_MAX_SIZE else "ivf"


def ivf_list_count(size: int) -> int:
    """Inverted lists for ``size`` vectors: ~4 * sqrt(N), but never too few points per list."""
    wanted = round(IVF_LISTS_PER_SQRT * math.sqrt(size))
    return max(1, min(wanted, size // IVF_MIN_POINTS_PER_LIST))


def new_faiss_index(vectors: Vectors, kind: IndexKind | None = None) -> faiss.Index:
    """An inner-product index holding ``vectors``, row ``i`` under id ``i``, ready to search.

    Args:
        vectors: L2-normalized float32 rows, shape ``(n, dimension)``; ``n`` may be 0.
        kind: One of ``INDEX_KINDS``; ``None`` chooses by size (``choose_index_kind``).

    Returns:
        The filled index, with its search parameters set (``tune_for_search``).

    Raises:
        ValueError: ``kind`` is unknown or ``vectors`` is not a 2-D array.
    """
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array, got shape {vectors.shape}")
    kind = choose_index_kind(len(vectors)) if kind is None else kind
    if kind not in INDEX_KINDS:
        raise ValueError(f"unknown index kind {kind!r}; valid kinds: {', '.join(INDEX_KINDS)}")
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    dimension = data.shape[1]
    if kind == "flat":
        index = faiss.IndexFlatIP(dimension)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    else:
        index = _trained_ivf(data)
    if len(data):
        index.add(data)
    return tune_for_search(index)


def _trained_ivf(data: Vectors) -> faiss.Index:
    """An empty IVF-Flat index whose lists are k-means centroids of ``data``."""
    dimension = data.shape[1]
    lists = ivf_list_count(len(data))
    quantizer = faiss.IndexFlatIP(dimension)
    index = faiss.IndexIVFFlat(quantizer, dimension, lists, faiss.METRIC_INNER_PRODUCT)
    # Fewer than 39 points per list happens only below 39 vectors, where one list is exact.
    index.cp.min_points_per_centroid = 1
    if len(data):
        index.train(data)
    else:
        # Nothing to cluster: one list around the origin holds whatever is added later.
        quantizer.add(np.zeros((1, dimension), dtype=np.float32))
        index.is_trained = True
    # reconstruct_batch on an IVF index needs the id -> list map.
    index.make_direct_map()
    return index


def tune_for_search(index: faiss.Index) -> faiss.Index:
    """Sets the search-time parameters (efSearch, nprobe) on ``index``, e.g. after a load.

    Returns:
        The same index, as its concrete FAISS class.
    """
    index = _concrete(index)
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    elif isinstance(index, faiss.IndexIVF):
        index.nprobe = ivf_probe_count(index.nlist)
    return index


def ivf_probe_count(lists: int) -> int:
    """Lists an IVF search visits: a fixed fraction of them, but at least a floor."""
    return min(lists, max(IVF_MIN_NPROBE, round(lists * IVF_NPROBE_FRACTION)))


def describe_index(index: faiss.Index) -> str:
    """A short human-readable name, e.g. ``"HNSW32 (efSearch 128)"``."""
    index = _concrete(index)
    if isinstance(index, faiss.IndexHNSW):
        links = index.hnsw.nb_neighbors(1)
        return f"HNSW{links} (efSearch {index.hnsw.efSearch})"
    if isinstance(index, faiss.IndexIVF):
        return f"IVF{index.nlist},Flat (nprobe {index.nprobe})"
    if isinstance(index, faiss.IndexFlat):
        return "Flat (exact)"
    return type(index).__name__


def _concrete(index: faiss.Index) -> faiss.Index:
    """``index`` as its concrete class, which owns the C++ object from then on."""
    if type(index) is not faiss.Index:
        return index
    concrete = faiss.downcast_index(index)
    # Two wrappers of one C++ object: only one may free it, and it must be the survivor.
    if index.thisown:
        index.thisown = False
        concrete.thisown = True
    return concrete
