"""Vector stores: FAISS files in the index folder by default, or Qdrant past one machine."""

from index.store.vectors.base import Ids, VectorBackend, VectorStore
from index.store.vectors.faiss_store import FaissBackend, FaissStore

__all__ = ["FaissBackend", "FaissStore", "Ids", "VectorBackend", "VectorStore"]
