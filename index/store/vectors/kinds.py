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
from typing import Any, Literal, get_args

import faiss
import numpy as np

from index.embedding.models import Vectors

IndexKind = Literal["flat", "hnsw", "ivf"]
INDEX_KINDS: tuple[str, ...] = get_args(IndexKind)

# Exact search scans every vector: one query (one thread) took 1.2-1.6 ms at 10k, 50-90 ms
# at 100k and 140-700 ms at 1M on this shared 2-core machine, against 20-40 ms for embedding
# the question. Up to 50k vectors it stays under the embedding, with recall 1.0 and nothing
# to train; the sentence index (3-5 vectors a passage) crosses this at 10k-15k passages.
FLAT_MAX_SIZE = 50_000
# Above it, IVF rather than HNSW. At 100k both reach recall@10 0.985 in 1-4 ms a query; at
# 1M IVF reached 0.965-0.976 in 7 ms after a 2-4 minute build, HNSW32 only 0.75 (efSearch
# 256) after 10 minutes. IVF also stays at the raw vectors' size (+1-2%, HNSW32 +18%), and
# every build rewrites the whole index.
LARGE_INDEX_KIND: IndexKind = "ivf"

# HNSW is kept for callers that ask for it. M 16 with efConstruction 40 reached only 0.91
# at 100k; M 32 needs efSearch 256 for 0.99 (128: 0.93). FAISS does not widen the search
# beam to k, so efSearch must also exceed the ~100 candidates the searcher asks for.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 256
# About 4 * sqrt(N) inverted lists balances scanning the centroids against scanning lists.
IVF_LISTS_PER_SQRT = 4
# FAISS's k-means wants at least 39 training points per centroid.
IVF_MIN_POINTS_PER_LIST = 39
# k-means on a sample of 32 points per list, 10 rounds: recall hardly changes, while FAISS's
# defaults (256 points, 25 rounds) made training the slowest part of a 1M build.
IVF_TRAINING_POINTS_PER_LIST = 32
IVF_TRAINING_ROUNDS = 10
# Lists visited per search. Recall@10 at 64 lists: 0.997 at 10k (of 400 lists), 0.99 at
# 100k (1265), but at 1M (4000) anywhere from 0.946 to 0.976 over runs of the bench, under
# the 0.95 goal at its worst; 128 lists gave 0.996 there, in about twice the time of 64
# (still a tenth of exact search). So a floor of 64, and a thirty-second of the lists beyond.
IVF_NPROBE_FRACTION = 1 / 32
IVF_MIN_NPROBE = 64


def choose_index_kind(size: int) -> IndexKind:
    """The index kind for ``size`` vectors: exact when small, approximate when large.

    Raises:
        ValueError: ``size`` is negative.
    """
    if size < 0:
        raise ValueError(f"an index cannot hold {size} vectors")
    return "flat" if size <= FLAT_MAX_SIZE else LARGE_INDEX_KIND


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
    index: faiss.Index
    if kind == "flat":
        index = faiss.IndexFlatIP(dimension)
    elif kind == "hnsw":
        hnsw = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index = hnsw
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
    index.cp.max_points_per_centroid = IVF_TRAINING_POINTS_PER_LIST
    index.cp.niter = IVF_TRAINING_ROUNDS
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
        graph: Any = index.hnsw  # nb_neighbors is missing from faiss's type stubs
        links = graph.nb_neighbors(1)
        return f"HNSW{links} (efSearch {index.hnsw.efSearch})"
    if isinstance(index, faiss.IndexIVF):
        return f"IVF{index.nlist},Flat (nprobe {index.nprobe})"
    if isinstance(index, faiss.IndexFlat):
        return "Flat (exact)"
    return type(index).__name__


def _concrete(index: Any) -> Any:
    """``index`` as its concrete class, which owns the C++ object from then on."""
    if type(index) is not faiss.Index:
        return index
    generic: Any = index  # faiss's type stubs do not declare SWIG's ``thisown``
    concrete: Any = faiss.downcast_index(generic)
    # Two wrappers of one C++ object: only one may free it, and it must be the survivor.
    if generic.thisown:
        generic.thisown = False
        concrete.thisown = True
    return concrete


def set_search_threads(threads: int) -> int:
    """Sets how many threads FAISS uses; returns the number before.

    A process that answers one question at a time wants 1: FAISS splits even a single query
    across threads, and on a busy machine they wait on each other (an exact search of 10k
    vectors measured 90 ms on two threads, 1.4 ms on one). Builds want every core.
    """
    before = int(faiss.omp_get_max_threads())
    faiss.omp_set_num_threads(threads)
    return before
