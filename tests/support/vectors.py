"""Small vector sets with structure, and what exact search finds in them."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from index.embedding.models import Vectors

DIMENSION = 32


def unit_rows(count: int, seed: int = 0) -> Vectors:
    """Clustered unit vectors: 40 topics, so approximate search has structure to exploit."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, DIMENSION))
    rows = centres[rng.integers(40, size=count)] + 0.5 * rng.standard_normal((count, DIMENSION))
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows.astype(np.float32)


def brute_force_top(vectors: Vectors, queries: Vectors, k: int) -> npt.NDArray[np.int64]:
    """The ids of the ``k`` rows of ``vectors`` nearest each query, by exact inner product."""
    return np.argsort(-(queries @ vectors.T), axis=1, kind="stable")[:, :k]


def recall(truth: npt.NDArray[np.int64], found: npt.NDArray[np.int64]) -> float:
    """The mean share of each query's true ids that ``found`` holds."""
    return float(
        np.mean([np.isin(want, got).mean() for want, got in zip(truth, found, strict=True)])
    )
