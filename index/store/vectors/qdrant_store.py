"""Vector sets kept as collections of a Qdrant database: a server, a cluster, or embedded.

Each set is one collection named ``<prefix>-<build id>-<name>`` whose point ids are the
rows 0..n-1. Collections score by dot product: the vectors are already L2-normalized, and
Qdrant's cosine distance would normalize them again on the way in, so the stored rows
would no longer be exactly the ones embedded.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from index.embedding.models import Vectors
from index.errors import VectorStoreUnavailableError
from index.store.vectors.base import Ids

# Points per upsert request: large enough to amortize the round trip, small enough that a
# request of 1,000 x 1,024 floats stays well under a server's default 32 MB body limit.
UPSERT_BATCH_SIZE = 1_000

_clients: dict[str, QdrantClient] = {}
_clients_lock = threading.Lock()


def qdrant_client_for(location: str, api_key: str | None = None) -> QdrantClient:
    """The process's one client for ``location``, created on first use.

    Embedded mode locks its folder, so a second client on the same folder in the same
    process would fail: every caller shares the first one.

    Args:
        location: ``:memory:``, an ``http://`` or ``https://`` URL of a server or cluster,
            or the folder of an embedded database (created if missing).
        api_key: The server's API key, if it wants one; ignored in embedded mode.

    Raises:
        ValueError: ``location`` is empty.
    """
    key = _location_key(location)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _new_client(key, api_key)
            _clients[key] = client
        return client


def close_qdrant_clients() -> None:
    """Closes every client ``qdrant_client_for`` made (releasing embedded folders' locks)."""
    with _clients_lock:
        for client in _clients.values():
            client.close()
        _clients.clear()


def _location_key(location: str) -> str:
    if not location.strip():
        raise ValueError(
            "a Qdrant location is needed: ':memory:', a URL such as "
            "'http://localhost:6333', or a folder such as 'var/qdrant'"
        )
    if location == ":memory:" or location.startswith(("http://", "https://")):
        return location
    return str(Path(location).expanduser().resolve())


def _new_client(key: str, api_key: str | None) -> QdrantClient:
    if key == ":memory:":
        return QdrantClient(":memory:")
    if key.startswith(("http://", "https://")):
        return QdrantClient(url=key, api_key=api_key)
    return QdrantClient(path=key)


def _is_embedded(client: QdrantClient) -> bool:
    options = client.init_options
    return options.get("location") == ":memory:" or options.get("path") is not None


class QdrantStore:
    """A ``VectorStore`` over one Qdrant collection whose point ids are its rows."""

    def __init__(self, client: QdrantClient, collection: str, dimension: int) -> None:
        """Opens ``collection``, counting its points once: a built set never changes."""
        self._client = client
        self._collection = collection
        self._dimension = dimension
        self._size = client.count(collection, exact=True).count

    @property
    def collection(self) -> str:
        """The collection's name."""
        return self._collection

    @property
    def size(self) -> int:
        return self._size

    @property
    def dimension(self) -> int:
        return self._dimension

    def describe(self) -> str:
        where = f"Qdrant collection {self._collection}"
        if _is_embedded(self._client):
            return f"{where} (embedded, exact search)"
        hnsw = self._client.get_collection(self._collection).config.hnsw_config
        return (
            f"{where} (HNSW m={hnsw.m} ef_construct={hnsw.ef_construct}, "
            f"exact search below {hnsw.full_scan_threshold} KB of vectors)"
        )

    def search(self, queries: Vectors, k: int) -> tuple[Vectors, Ids]:
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        scores = np.full((len(queries), max(k, 0)), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), max(k, 0)), -1, dtype=np.int64)
        if k <= 0 or self._size == 0 or len(queries) == 0:
            return scores, ids
        requests = [
            models.QueryRequest(query=query.tolist(), limit=k, with_payload=False)
            for query in queries
        ]
        responses = self._client.query_batch_points(self._collection, requests)
        for row, response in enumerate(responses):
            for column, point in enumerate(response.points):
                scores[row, column] = point.score
                ids[row, column] = int(point.id)
        return scores, ids

    def vectors(self, ids: Ids) -> Vectors:
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return np.zeros((0, self._dimension), dtype=np.float32)
        if ids.min() < 0 or ids.max() >= self._size:
            raise IndexError(f"row ids outside 0..{self._size - 1}")
        wanted = np.unique(ids)
        records = self._client.retrieve(
            self._collection, ids=wanted.tolist(), with_payload=False, with_vectors=True
        )
        rows = {int(record.id): record.vector for record in records}
        if len(rows) != len(wanted):
            missing = sorted(set(wanted.tolist()) - rows.keys())[:5]
            raise IndexError(f"Qdrant collection {self._collection} lacks rows {missing}")
        return np.array([rows[int(row)] for row in ids], dtype=np.float32)


class QdrantBackend:
    """Keeps each vector set as a collection ``<prefix>-<build id>-<name>`` of one database."""

    kind = "qdrant"

    def __init__(self, client: QdrantClient, prefix: str = "briefing") -> None:
        """``prefix`` marks this deployment's collections; ``retire`` touches no others."""
        self._client = client
        self._prefix = prefix

    def save(self, staging: Path, name: str, vectors: Vectors, build_id: str) -> str:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError(f"vectors must be a 2-D array, not of shape {vectors.shape}")
        collection = f"{self._prefix}-{build_id}-{name}"
        # A unique build id makes this impossible unless the contract is broken; replacing
        # the collection could then destroy the set a running bot is searching.
        if self._client.collection_exists(collection):
            raise ValueError(f"Qdrant collection {collection} already exists")
        self._client.create_collection(
            collection,
            vectors_config=models.VectorParams(size=vectors.shape[1], distance=models.Distance.DOT),
        )
        try:
            self._upsert(collection, vectors)
        except BaseException:
            self._client.delete_collection(collection)
            raise
        return collection

    def _upsert(self, collection: str, vectors: Vectors) -> None:
        for start in range(0, len(vectors), UPSERT_BATCH_SIZE):
            stop = min(start + UPSERT_BATCH_SIZE, len(vectors))
            batch = models.Batch(ids=list(range(start, stop)), vectors=vectors[start:stop].tolist())
            self._client.upsert(collection, batch, wait=True)

    def open(self, folder: int, reference: str, dimension: int) -> QdrantStore:
        """Opens the collection ``reference``; the folder is unused (nothing is in it).

        Raises:
            VectorStoreUnavailableError: The Qdrant server does not answer.
        """
        try:
            return self._open(reference, dimension)
        except (ResponseHandlingException, UnexpectedResponse) as error:
            raise VectorStoreUnavailableError(
                f"Qdrant does not answer ({type(error).__name__}): start it or check QDRANT_URL"
            ) from error

    def _open(self, reference: str, dimension: int) -> QdrantStore:
        if not self._client.collection_exists(reference):
            raise ValueError(f"Qdrant collection {reference} does not exist")
        params = self._client.get_collection(reference).config.params.vectors
        if not isinstance(params, models.VectorParams):
            raise ValueError(f"Qdrant collection {reference} has named vectors, not one vector")
        if params.size != dimension:
            raise ValueError(
                f"Qdrant collection {reference} holds vectors of dimension {params.size}"
            )
        if params.distance != models.Distance.DOT:
            raise ValueError(
                f"Qdrant collection {reference} scores by {params.distance.value}, not dot"
            )
        return QdrantStore(self._client, reference, dimension)

    def retire(self, keep: set[str]) -> None:
        """Deletes this prefix's collections except ``keep``."""
        for description in self._client.get_collections().collections:
            name = description.name
            if name.startswith(f"{self._prefix}-") and name not in keep:
                self._client.delete_collection(name)
