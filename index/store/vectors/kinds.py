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
from typing import Any, Literal

import faiss
import numpy as np

from index.embedding.models import Vectors

IndexKind = Literal["flat", "ivf"]

# Exact search scans every vector: one query (one thread) took 1.2-1.6 ms at 10k, 50-90 ms
# at 100k and 140-700 ms at 1M on this shared 2-core machine, against 20-40 ms for embedding
# the question. Up to 50k vectors it stays under the embedding, with recall 1.0 and nothing
# to train; the sentence index (3-5 vectors a passage) crosses this at 10k-15k passages.
FLAT_MAX_SIZE = 50_000
# Above it, IVF rather than HNSW. At 100k both reach recall@10 0.985 in 1-4 ms a query; at
# 1M IVF reached 0.965-0.976 in 7 ms after a 2-4 minute build, HNSW32 only 0.75 (efSearch
# 256) after 10 minutes. IVF also stays at the raw vectors' size (+1-2%, HNSW32 +18%), and
# every build rewrites the whole index. HNSW is built only by the bench
# (``index.quality.index_kinds``), to keep measuring this choice.
LARGE_INDEX_KIND: IndexKind = "ivf"

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


def new_faiss_index(vectors: Vectors) -> faiss.Index:
    """An inner-product index holding ``vectors``, of the kind their number calls for.

    Args:
        vectors: L2-normalized float32 rows, shape ``(n, dimension)``; ``n`` may be 0.

    Returns:
        The filled index, with its search parameters set (``tune_for_search``).

    Raises:
        ValueError: ``vectors`` is not a 2-D array.
    """
    if choose_index_kind(len(vectors)) == "flat":
        return flat_index(vectors)
    return ivf_index(vectors)


def flat_index(vectors: Vectors) -> faiss.Index:
    """An exact inner-product index holding ``vectors``, row ``i`` under id ``i``.

    Raises:
        ValueError: ``vectors`` is not a 2-D array.
    """
    data = _rows(vectors)
    return _filled(faiss.IndexFlatIP(data.shape[1]), data)


def ivf_index(vectors: Vectors) -> faiss.Index:
    """An IVF-Flat inner-product index holding ``vectors``, its lists trained on them.

    Raises:
        ValueError: ``vectors`` is not a 2-D array.
    """
    data = _rows(vectors)
    return _filled(_trained_ivf(data), data)


def _rows(vectors: Vectors) -> Vectors:
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array, got shape {vectors.shape}")
    return np.ascontiguousarray(vectors, dtype=np.float32)


def _filled(index: faiss.Index, data: Vectors) -> faiss.Index:
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
    """Sets the search-time parameters (an IVF index's nprobe) on ``index``, e.g. after a load.

    Returns:
        The same index, as its concrete FAISS class.
    """
    index = concrete_index(index)
    if isinstance(index, faiss.IndexIVF):
        index.nprobe = ivf_probe_count(index.nlist)
    return index


def ivf_probe_count(lists: int) -> int:
    """Lists an IVF search visits: a fixed fraction of them, but at least a floor."""
    return min(lists, max(IVF_MIN_NPROBE, round(lists * IVF_NPROBE_FRACTION)))


def describe_index(index: faiss.Index) -> str:
    """A short human-readable name, e.g. ``"IVF400,Flat (nprobe 64)"``."""
    index = concrete_index(index)
    if isinstance(index, faiss.IndexIVF):
        return f"IVF{index.nlist},Flat (nprobe {index.nprobe})"
    if isinstance(index, faiss.IndexFlat):
        return "Flat (exact)"
    return type(index).__name__


def concrete_index(index: Any) -> Any:
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
