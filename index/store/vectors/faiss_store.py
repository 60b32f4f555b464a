"""The default vector store: a FAISS index in a file of the index folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.embedding.models import Vectors
from index.store.vectors.base import Ids
from index.store.vectors.kinds import describe_index, new_faiss_index, tune_for_search


class FaissStore:
    """A ``VectorStore`` over one FAISS index whose ids are its rows."""

    def __init__(self, index: Any) -> None:
        self._index = index

    @classmethod
    def from_vectors(cls, vectors: Vectors) -> FaissStore:
        """Indexes ``vectors`` in the FAISS index kind their number calls for."""
        return cls(new_faiss_index(np.ascontiguousarray(vectors, dtype=np.float32)))

    @property
    def faiss_index(self) -> Any:
        """The FAISS index itself."""
        return self._index

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def describe(self) -> str:
        return describe_index(self._index)

    def search(self, queries: Vectors, k: int) -> tuple[Vectors, Ids]:
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if k <= 0 or self.size == 0:
            empty = np.zeros((len(queries), max(k, 0)))
            return (empty - np.inf).astype(np.float32), (empty - 1).astype(np.int64)
        scores, ids = self._index.search(queries, k)
        scores[ids < 0] = -np.inf  # FAISS pads with the lowest float; the protocol says -inf
        return scores, ids

    def vectors(self, ids: Ids) -> Vectors:
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if ids.min() < 0 or ids.max() >= self.size:
            raise IndexError(f"row ids outside 0..{self.size - 1}")
        rows: Vectors = self._index.reconstruct_batch(ids)
        return rows

    def to_bytes(self) -> bytes:
        """The index as FAISS serializes it."""
        return bytes(faiss.serialize_index(self._index))

    @classmethod
    def from_bytes(cls, data: bytes) -> FaissStore:
        """Reads what ``to_bytes`` wrote.

        Raises:
            ValueError: ``data`` is not a FAISS index.
        """
        try:
            index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        except RuntimeError as error:
            raise ValueError(f"not a FAISS index ({str(error).splitlines()[0]})") from error
        return cls(tune_for_search(index))


def _mapped(descriptor: int) -> FaissStore | None:
    """The open file's index with its vectors mapped into memory, where FAISS maps them (flat
    indexes) and the system names open files (``/proc/self/fd``); None otherwise.

    A mapping outlives the file's folder: a reader keeps its index while a build swaps in a
    new folder and removes the old one.
    """
    path = f"/proc/self/fd/{descriptor}"
    if not os.path.exists(path):
        return None
    try:
        index = faiss.read_index(path, faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
    except RuntimeError:
        return None  # not a FAISS index: from_bytes says so
    return FaissStore(tune_for_search(index))


class FaissBackend:
    """Keeps each vector set as ``<name>.faiss`` in the index folder."""

    kind = "faiss"

    def save(self, staging: Path, name: str, vectors: Vectors, build_id: str) -> str:
        file_name = f"{name}.faiss"
        (staging / file_name).write_bytes(FaissStore.from_vectors(vectors).to_bytes())
        return file_name

    def open(self, folder: int, reference: str, dimension: int) -> FaissStore:
        if os.sep in reference or reference.startswith("."):
            raise ValueError(f"vector file {reference!r} is not a file of the index folder")
        descriptor = os.open(reference, os.O_RDONLY, dir_fd=folder)
        with os.fdopen(descriptor, "rb") as file:
            store = _mapped(descriptor) or FaissStore.from_bytes(file.read())
        if store.dimension != dimension:
            raise ValueError(f"{reference} holds vectors of dimension {store.dimension}")
        return store

    def retire(self, keep: set[str]) -> None:
        """Nothing to do: the files go with the folder they are in."""
