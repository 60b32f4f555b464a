"""The scale part of ``briefing-index bench``: each FAISS index kind on large synthetic sets.

A briefing of a million passages cannot be embedded on this machine, so the vectors are
synthetic, shaped after real multilingual-e5 vectors: e5 puts every text near one common
direction (mean cosine about 0.75), spreads what is left over hundreds of dimensions, and
puts related texts close together, differing from each other in only a few directions.
How hard approximate search is depends on exactly that shape; Gaussian clusters or a
subspace plus noise give recall far from what real vectors give (see ``docs/scaling.md``).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import faiss
import numpy as np
import numpy.typing as npt

from index.embedding.models import Vectors
from index.quality.index_kinds import INDEX_KINDS, BenchKind, build_index, describe_kind

_CHUNK_ROWS = 65_536
# An HNSW32 build of 1M vectors took 10 minutes on 2 cores, longer than all the rest of the
# scale bench (10k to 1M, flat and IVF: about 6 minutes); measured only when asked for.
HNSW_DEFAULT_MAX_SIZE = 100_000


@dataclass(frozen=True, slots=True)
class SyntheticShape:
    """How synthetic vectors spread around the anchors: a tree of ever smaller offsets.

    Anchors are the roots; each node has ``branching`` children, each its parent plus an
    offset within ``local_dimension`` random directions of that parent's own, and the vectors
    are the leaves. Of the anchors' spread (variance around their mean), ``root_share`` comes
    from the anchors, ``leaf_share`` from the last offset, and the rest from the levels between,
    shrinking by ``level_ratio`` a level. Offsets have variance proportional to
    ``rank ** -decay * exp(-rank / spectrum_cutoff)`` along the ``rank``-th principal direction,
    ``decay`` going from ``top_decay`` to ``leaf_decay``: topics differ along few directions,
    single texts along many. Defaults are fitted to multilingual-e5-small on XQuAD-R.
    """

    branching: int = 8
    local_dimension: int = 4
    level_ratio: float = 0.6
    root_share: float = 0.2
    leaf_share: float = 0.5
    top_decay: float = 1.0
    leaf_decay: float = 0.4
    spectrum_cutoff: float = 150.0


@dataclass(frozen=True, slots=True)
class ScaleFigures:
    """One index kind on one synthetic set, measured against exact search on the same set.

    Attributes:
        size: Vectors in the index.
        kind: One of ``INDEX_KINDS``.
        description: The index and its search parameters, e.g. ``"HNSW32 (efSearch 128)"``.
        build_seconds: Training plus adding every vector.
        search_p50_ms: Median time of one query asking for the top 100 (as the searcher does).
        search_k10_p50_ms: Median time of one query asking for the top 10.
        memory_mib: Size of the serialized index, which is close to its size in memory.
        recall_at_10: Share of the exact top 10 in the index's top 10.
        recall_10_at_100: Share of the exact top 10 in the index's top 100.
    """

    size: int
    kind: str
    description: str
    build_seconds: float
    search_p50_ms: float
    search_k10_p50_ms: float
    memory_mib: float
    recall_at_10: float
    recall_10_at_100: float


def synthetic_vectors(
    anchors: Vectors, size: int, seed: int = 0, shape: SyntheticShape | None = None
) -> Vectors:
    """``size`` unit vectors spread like real embeddings around ``anchors``.

    Args:
        anchors: Real embeddings (a few dozen are enough): their mean direction, their
            spread and their principal directions are kept.
        size: Vectors to make.
        seed: The same seed, anchors and size give the same vectors.
        shape: How the vectors cluster; ``None`` for the e5-fitted default.

    Raises:
        ValueError: Fewer than two anchors, or a negative size.
    """
    if len(anchors) < 2 or size < 0:
        raise ValueError(f"need at least 2 anchors and size >= 0, got {len(anchors)} and {size}")
    shape = shape or SyntheticShape()
    rng = np.random.default_rng(seed)
    unit = _normalized(np.asarray(anchors, dtype=np.float64))
    residuals = unit - unit.mean(axis=0)
    # A mean of few anchors is longer than the true mean by their spread, and their spread
    # around it shorter; unit length ties the two, so correct the spread and derive the mean.
    spread = float(np.mean(np.sum(residuals**2, axis=1))) * len(unit) / (len(unit) - 1)
    mean = _normalized(unit.mean(axis=0, keepdims=True))[0] * np.sqrt(max(0.0, 1.0 - spread))
    basis = _residual_basis(residuals, rng)
    out = np.empty((size, unit.shape[1]), dtype=np.float32)
    start = 0
    for chunk in _tree_leaves(rng, mean, residuals, basis, spread, size, shape):
        out[start : start + len(chunk)] = _normalized(chunk)
        start += len(chunk)
    return out


def _tree_leaves(
    rng: np.random.Generator,
    mean: npt.NDArray[np.float64],
    residuals: npt.NDArray[np.float64],
    basis: npt.NDArray[np.float64],
    spread: float,
    size: int,
    shape: SyntheticShape,
) -> Iterator[npt.NDArray[np.float64]]:
    """The ``size`` leaves of the tree rooted at anchors, unnormalized, in chunks of rows."""
    counts = _level_counts(size, len(residuals), shape.branching)
    shares = _level_shares(len(counts) - 1, shape)
    decays = np.linspace(shape.top_decay, shape.leaf_decay, len(counts))
    roots = rng.choice(len(residuals), counts[0], replace=False)
    # Centred, so that the few anchors chosen as roots do not pull the mean their way.
    chosen = residuals[roots] - residuals[roots].mean(axis=0)
    nodes = mean + np.sqrt(shape.root_share * len(roots) / max(1, len(roots) - 1)) * chosen
    for level in range(1, len(counts) - 1):
        mixing = _mixing(basis, spread * shares[level], float(decays[level]), shape)
        nodes = np.concatenate(list(_children(rng, nodes, counts[level], mixing, shape)))
    mixing = _mixing(basis, spread * shares[-1], shape.leaf_decay, shape)
    return _children(rng, nodes, size, mixing, shape)


def _children(
    rng: np.random.Generator,
    parents: npt.NDArray[np.float64],
    count: int,
    mixing: npt.NDArray[np.float64],
    shape: SyntheticShape,
) -> Iterator[npt.NDArray[np.float64]]:
    """``count`` children, ``branching`` per parent in order, in chunks of rows.

    A parent's children differ from it only within a few random directions of its own
    (``local_dimension``): real neighbours differ in a few ways, not in all at once.
    """
    dimension, local = parents.shape[1], shape.local_dimension
    per_chunk = max(1, _CHUNK_ROWS // shape.branching)
    for first in range(0, -(-count // shape.branching), per_chunk):
        group = parents[first : first + per_chunk]
        directions = _gaussian(rng, len(group) * local, mixing) / np.sqrt(local)
        directions = directions.reshape(len(group), local, dimension)
        weights = rng.standard_normal((len(group), shape.branching, local))
        offsets = np.einsum("pbk,pkd->pbd", weights, directions)
        rows = (group[:, None, :] + offsets).reshape(-1, dimension)
        yield rows[: count - first * shape.branching]


def _level_counts(size: int, anchors: int, branching: int) -> list[int]:
    """Nodes per tree level, roots first: at most ``anchors`` roots, ``size`` leaves."""
    counts = [size]
    while counts[0] > anchors:
        counts.insert(0, -(-counts[0] // branching))
    return counts if len(counts) > 1 else [min(size, anchors) or 1, size]


def _level_shares(levels: int, shape: SyntheticShape) -> list[float]:
    """Share of the spread each level's offsets add; index 0 (the roots) and the leaves last."""
    inner = 1.0 - shape.root_share - shape.leaf_share
    weights = [shape.level_ratio**level for level in range(max(0, levels - 1))]
    total = sum(weights) or 1.0
    shares = [shape.root_share] + [inner * weight / total for weight in weights]
    shares.append(shape.leaf_share + (0.0 if weights else inner))
    return shares


def _residual_basis(
    residuals: npt.NDArray[np.float64], rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """An orthonormal basis (rows) led by the anchors' principal directions.

    The directions a few anchors cannot reveal are random: search is rotation-invariant, so
    only how the variance spreads over them matters.
    """
    dimension = residuals.shape[1]
    _, _, principal = np.linalg.svd(residuals, full_matrices=False)
    known = principal[: min(len(residuals) - 1, dimension)]
    random_part = rng.standard_normal((dimension, dimension))
    random_part -= random_part @ known.T @ known
    completion = np.linalg.qr(random_part.T)[0].T[: dimension - len(known)]
    return np.concatenate([known, completion])


def _mixing(
    basis: npt.NDArray[np.float64], variance: float, decay: float, shape: SyntheticShape
) -> npt.NDArray[np.float64]:
    """A matrix turning white noise into vectors of total ``variance`` with a decaying spectrum."""
    rank = np.arange(1, len(basis) + 1, dtype=np.float64)
    variances = rank**-decay * np.exp(-rank / shape.spectrum_cutoff)
    variances *= variance / variances.sum()
    return np.sqrt(variances)[:, None] * basis


def _gaussian(
    rng: np.random.Generator, rows: int, mixing: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    return rng.standard_normal((rows, len(mixing))) @ mixing


def _normalized(rows: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    unit: npt.NDArray[np.float64] = rows / np.maximum(norms, 1e-12)
    return unit


def run_scale_bench(
    anchors: Vectors,
    queries: Vectors,
    sizes: Sequence[int],
    kinds: Sequence[str] | None = None,
    seed: int = 0,
) -> list[ScaleFigures]:
    """Builds each index kind on synthetic sets of each size and measures it against exact.

    Args:
        anchors: Real passage and sentence vectors the synthetic sets are shaped after.
        queries: Real question vectors; each is timed one at a time, as the bot searches.
        sizes: Vectors per synthetic set, e.g. ``(10_000, 100_000)``.
        kinds: Index kinds to measure; ``None`` for all of ``INDEX_KINDS``, HNSW only up to
            ``HNSW_DEFAULT_MAX_SIZE``.
        seed: Seed of the synthetic sets.

    Returns:
        One ``ScaleFigures`` per size and kind, in that order.

    Raises:
        ValueError: A kind is unknown, or there are no queries.
    """
    chosen = list(INDEX_KINDS if kinds is None else kinds)
    unknown = [kind for kind in chosen if kind not in INDEX_KINDS]
    if unknown or len(queries) == 0:
        raise ValueError(
            f"need queries and kinds among {', '.join(INDEX_KINDS)}; got {len(queries)} "
            f"queries and {', '.join(unknown) or 'no unknown kinds'}"
        )
    search_queries = np.ascontiguousarray(_normalized(queries.astype(np.float64)), np.float32)
    figures: list[ScaleFigures] = []
    for size in sizes:
        base = synthetic_vectors(anchors, size, seed)
        exact = _top_ids(build_index(base, "flat"), search_queries, 10)
        for kind in chosen:
            if kinds is None and kind == "hnsw" and size > HNSW_DEFAULT_MAX_SIZE:
                continue
            figures.append(_measure(base, search_queries, exact, kind))  # type: ignore[arg-type]
        del base
    return figures


def _measure(
    base: Vectors, queries: Vectors, exact: npt.NDArray[np.int64], kind: BenchKind
) -> ScaleFigures:
    """Builds one index on ``base`` and measures its speed, size and recall."""
    started = time.perf_counter()
    index = build_index(base, kind)
    build_seconds = time.perf_counter() - started
    memory_mib = faiss.serialize_index(index).nbytes / 2**20
    top_10, top_100 = _top_ids(index, queries, 10), _top_ids(index, queries, 100)
    return ScaleFigures(
        size=len(base),
        kind=kind,
        description=describe_kind(index),
        build_seconds=round(build_seconds, 3),
        search_p50_ms=_search_p50_ms(index, queries, 100),
        search_k10_p50_ms=_search_p50_ms(index, queries, 10),
        memory_mib=round(memory_mib, 3),
        recall_at_10=_recall(exact, top_10),
        recall_10_at_100=_recall(exact, top_100),
    )


def _top_ids(index: faiss.Index, queries: Vectors, k: int) -> npt.NDArray[np.int64]:
    return np.asarray(index.search(queries, min(k, max(1, index.ntotal)))[1], dtype=np.int64)


def _recall(exact: npt.NDArray[np.int64], found: npt.NDArray[np.int64]) -> float:
    """Mean share of each query's exact ids (ignoring -1 padding) among the found ids."""
    shares = []
    for truth, got in zip(exact, found, strict=True):
        wanted = truth[truth >= 0]
        shares.append(np.isin(wanted, got).mean() if len(wanted) else 1.0)
    return round(float(np.mean(shares)), 4)


def _search_p50_ms(index: faiss.Index, queries: Vectors, k: int) -> float:
    """Median milliseconds of searching one query at a time, on one thread.

    One query gains nothing from a second thread, and on a busy machine FAISS's OpenMP threads
    wait for each other: a 10k exact search measured 90 ms on two threads, 1.4 ms on one.
    """
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        index.search(queries[:1], k)  # warm-up
        times = []
        for row in range(len(queries)):
            started = time.perf_counter()
            index.search(queries[row : row + 1], k)
            times.append(time.perf_counter() - started)
    finally:
        faiss.omp_set_num_threads(threads)
    return round(1000 * statistics.median(times), 3)
