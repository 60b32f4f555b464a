"""One contract for every vector store, checked through the protocols alone."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from qdrant_client import QdrantClient

from index.embedding.models import Vectors
from index.store.vectors.base import VectorBackend, VectorStore
from index.store.vectors.faiss_store import FaissBackend
from index.store.vectors.qdrant_store import (
    QdrantBackend,
    close_qdrant_clients,
    qdrant_client_for,
)

DIMENSION = 32


def unit_vectors(count: int, seed: int = 0) -> Vectors:
    rows = np.random.default_rng(seed).standard_normal((count, DIMENSION)).astype(np.float32)
    unit: Vectors = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return unit


@pytest.fixture(params=["faiss", "qdrant"])
def backend(request: pytest.FixtureRequest) -> Iterator[VectorBackend]:
    if request.param == "faiss":
        yield FaissBackend()
        return
    client = QdrantClient(":memory:")
    yield QdrantBackend(client)
    client.close()


def save_and_open(
    backend: VectorBackend, folder: Path, vectors: Vectors, build_id: str = "b1"
) -> VectorStore:
    """Saves ``vectors`` as the passages of build ``build_id`` in ``folder`` and opens them."""
    folder.mkdir(parents=True, exist_ok=True)
    reference = backend.save(folder, "passages", vectors, build_id)
    return open_set(backend, folder, reference, DIMENSION)


def open_set(backend: VectorBackend, folder: Path, reference: str, dimension: int) -> VectorStore:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        return backend.open(descriptor, reference, dimension)
    finally:
        os.close(descriptor)


def test_round_trip_keeps_rows(backend: VectorBackend, tmp_path: Path) -> None:
    vectors = unit_vectors(50)
    store = save_and_open(backend, tmp_path, vectors)
    assert (store.size, store.dimension) == (50, DIMENSION)
    np.testing.assert_array_equal(store.vectors(np.arange(50, dtype=np.int64)), vectors)
    assert store.describe()


def test_search_agrees_with_brute_force(backend: VectorBackend, tmp_path: Path) -> None:
    vectors = unit_vectors(300)
    queries = unit_vectors(7, seed=1)
    store = save_and_open(backend, tmp_path, vectors)

    scores, ids = store.search(queries, 10)

    exact = queries @ vectors.T
    expected_ids = np.argsort(-exact, axis=1)[:, :10]
    assert scores.dtype == np.float32 and ids.dtype == np.int64
    np.testing.assert_array_equal(ids, expected_ids)
    np.testing.assert_allclose(scores, np.take_along_axis(exact, expected_ids, 1), atol=1e-5)


def test_search_pads_when_k_exceeds_size(backend: VectorBackend, tmp_path: Path) -> None:
    vectors = unit_vectors(5)
    store = save_and_open(backend, tmp_path, vectors)

    scores, ids = store.search(unit_vectors(3, seed=1), 8)

    assert ids.shape == scores.shape == (3, 8)
    assert (ids[:, 5:] == -1).all()
    # The protocol promises -inf; a flat FAISS index pads with -FLT_MAX instead, which sorts
    # the same, so either passes.
    assert (scores[:, 5:] == -np.inf).all()
    assert all(sorted(row) == [0, 1, 2, 3, 4] for row in ids[:, :5].tolist())


def test_empty_set(backend: VectorBackend, tmp_path: Path) -> None:
    store = save_and_open(backend, tmp_path, np.zeros((0, DIMENSION), dtype=np.float32))

    scores, ids = store.search(unit_vectors(2), 4)

    assert (store.size, store.dimension) == (0, DIMENSION)
    assert (ids == -1).all() and np.isneginf(scores).all() and ids.shape == (2, 4)
    assert store.vectors(np.zeros(0, dtype=np.int64)).shape == (0, DIMENSION)


def test_vectors_come_in_the_order_asked(backend: VectorBackend, tmp_path: Path) -> None:
    vectors = unit_vectors(40)
    store = save_and_open(backend, tmp_path, vectors)
    ids = np.array([17, 3, 39, 3, 0], dtype=np.int64)

    rows = store.vectors(ids)

    assert rows.dtype == np.float32
    np.testing.assert_array_equal(rows, vectors[ids])


@pytest.mark.parametrize("bad_id", [-1, 40])
def test_vectors_outside_the_rows_raise(
    backend: VectorBackend, tmp_path: Path, bad_id: int
) -> None:
    store = save_and_open(backend, tmp_path, unit_vectors(40))
    with pytest.raises(IndexError):
        store.vectors(np.array([0, bad_id], dtype=np.int64))


def test_open_of_a_missing_set_raises_value_error(backend: VectorBackend, tmp_path: Path) -> None:
    reference = backend.save(tmp_path, "passages", unit_vectors(5), "b1")
    # A missing file is FileNotFoundError: the loader retries it, as a swap may be under way.
    with pytest.raises(FileNotFoundError if backend.kind == "faiss" else ValueError):
        open_set(backend, tmp_path, "missing-" + reference, DIMENSION)


def test_open_with_another_dimension_raises_value_error(
    backend: VectorBackend, tmp_path: Path
) -> None:
    reference = backend.save(tmp_path, "passages", unit_vectors(5), "b1")
    with pytest.raises(ValueError, match="dimension"):
        open_set(backend, tmp_path, reference, DIMENSION * 2)


def test_retire_frees_all_but_what_it_keeps(backend: VectorBackend, tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    old_refs = [backend.save(old, name, unit_vectors(5), "b1") for name in ("passages", "sent")]
    new_refs = [backend.save(new, name, unit_vectors(5), "b2") for name in ("passages", "sent")]
    files_before = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}

    backend.retire(set(new_refs))

    for reference in new_refs:
        assert open_set(backend, new, reference, DIMENSION).size == 5
    if backend.kind == "faiss":
        assert {path: path.read_bytes() for path in files_before} == files_before
        return
    for reference in old_refs:
        with pytest.raises(ValueError):
            open_set(backend, old, reference, DIMENSION)


def test_qdrant_retire_leaves_other_prefixes_alone(tmp_path: Path) -> None:
    client = QdrantClient(":memory:")
    try:
        ours, theirs = QdrantBackend(client), QdrantBackend(client, prefix="other")
        reference = theirs.save(tmp_path, "passages", unit_vectors(3), "b1")
        ours.save(tmp_path, "passages", unit_vectors(3), "b1")

        ours.retire(set())

        assert [c.name for c in client.get_collections().collections] == [reference]
    finally:
        client.close()


def test_qdrant_embedded_folder_survives_reopening(tmp_path: Path) -> None:
    vectors = unit_vectors(20)
    writer = QdrantClient(path=str(tmp_path / "qdrant"))
    try:
        reference = QdrantBackend(writer).save(tmp_path, "passages", vectors, "b1")
    finally:
        writer.close()
    reader = QdrantClient(path=str(tmp_path / "qdrant"))
    try:
        store = open_set(QdrantBackend(reader), tmp_path, reference, DIMENSION)
        _, ids = store.search(vectors[:2], 1)
        assert ids[:, 0].tolist() == [0, 1]
        np.testing.assert_array_equal(store.vectors(np.array([19])), vectors[19:])
    finally:
        reader.close()


def test_qdrant_client_for_shares_one_client_per_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    try:
        embedded = qdrant_client_for(str(tmp_path / "qdrant"))
        assert qdrant_client_for("qdrant") is embedded
        assert qdrant_client_for(":memory:") is qdrant_client_for(":memory:")
        assert qdrant_client_for(":memory:") is not embedded
    finally:
        close_qdrant_clients()
    assert qdrant_client_for(str(tmp_path / "qdrant")) is not embedded
    close_qdrant_clients()


def test_qdrant_client_for_refuses_an_empty_location() -> None:
    with pytest.raises(ValueError, match="http://localhost:6333"):
        qdrant_client_for(" ")


def test_faiss_maps_flat_vectors_and_keeps_them_when_the_file_goes(tmp_path: Path) -> None:
    """Mapped, not read: the rows stay readable after a build removes the folder's file."""
    vectors = unit_vectors(50)
    store = save_and_open(FaissBackend(), tmp_path, vectors)
    (tmp_path / "passages.faiss").unlink()
    np.testing.assert_array_equal(store.vectors(np.arange(50, dtype=np.int64)), vectors)
    assert store.search(vectors[:1], 1)[1][0][0] == 0
    mapped = Path("/proc/self/maps").read_text().splitlines()
    assert any("passages.faiss (deleted)" in line for line in mapped)
