"""What the search needs of a vector store, whatever keeps the vectors.

An index keeps two sets of vectors, one row per passage and one per sentence. Each set is
a ``VectorStore``: rows numbered from 0, searched by inner product (the vectors are
L2-normalized, so that is cosine), and read back by row for exact rescoring. A
``VectorBackend`` writes a set when an index is built and opens it when the index is loaded:
FAISS files inside the index folder by default, or collections of a Qdrant database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from index.embedding.models import Vectors

Ids = npt.NDArray[np.int64]


class VectorStore(Protocol):
    """Rows of unit vectors, numbered 0..size-1, searched by inner product."""

    @property
    def size(self) -> int:
        """Number of rows."""
        ...

    @property
    def dimension(self) -> int:
        """Length of every row."""
        ...

    def describe(self) -> str:
        """How rows are searched, for ``briefing-index info`` (e.g. ``Flat (exact)``)."""
        ...

    def search(self, queries: Vectors, k: int) -> tuple[Vectors, Ids]:
        """The ``k`` rows nearest each query: scores and row ids, best first.

        Both arrays have shape ``(len(queries), k)``; where fewer than ``k`` rows exist the
        ids are padded with -1 (and the scores with -inf), as FAISS does.
        """
        ...

    def vectors(self, ids: Ids) -> Vectors:
        """The rows ``ids``, in that order (for exact rescoring of candidates)."""
        ...


class VectorBackend(Protocol):
    """Writes vector sets when an index is built and opens them when it is loaded."""

    @property
    def kind(self) -> str:
        """The name the manifest records (``faiss`` or ``qdrant``)."""
        ...

    def save(self, staging: Path, name: str, vectors: Vectors, build_id: str) -> str:
        """Stores ``vectors`` as rows 0..n-1 of a new set; returns the manifest's reference.

        Args:
            staging: The folder of the index being written (swapped in when complete).
            name: Which set (``passages`` or ``sentences``).
            vectors: The rows, float32, L2-normalized.
            build_id: Unique to this build, so a new set never overwrites one in use.
        """
        ...

    def open(self, folder: int, reference: str, dimension: int) -> VectorStore:
        """Opens a set that ``save`` stored.

        Args:
            folder: A descriptor of the index folder (read files relative to it, so that
                every file comes from the same build even while a new one is swapped in).
            reference: What ``save`` returned.
            dimension: The manifest's vector length, to check against.

        Raises:
            FileNotFoundError: A file of the folder is missing (a build may be swapping the
                folder: the loader retries, then reports the index incomplete).
            ValueError: The set is missing from a database, unreadable, or of another
                dimension.
        """
        ...

    def retire(self, keep: set[str]) -> None:
        """Frees sets of earlier builds, except the references in ``keep``."""
        ...
