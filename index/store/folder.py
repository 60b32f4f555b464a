"""An index on disk: a folder written once, swapped in atomically, checked on load.

Folder layout: ``manifest.json``, ``articles.jsonl``, ``passages.jsonl`` (one JSON object a
line, ``id`` equal to the line number), and two vector sets, one row per passage and one per
sentence in passage order. With the default backend the sets are ``passages.faiss`` and
``sentences.faiss`` in the folder; with Qdrant they are collections the manifest names.
A folder is never modified after it is swapped in, so a reader that opened it keeps reading
one consistent version even while a new build replaces it.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.embedding.models import Vectors
from index.errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from index.records import Article, Passage
from index.store.manifest import FORMAT_VERSION, Manifest
from index.store.staging import staging_folder, swap_in
from index.store.vectors import FaissBackend, VectorBackend, VectorStore

MANIFEST = "manifest.json"
ARTICLES = "articles.jsonl"
PASSAGES = "passages.jsonl"
VECTOR_SETS = ("passages", "sentences")
_LOAD_ATTEMPTS = 5


@dataclass(frozen=True)
class StoredIndex:
    """An index read from disk; ``passages[i].id == i``."""

    path: Path
    manifest: Manifest
    articles: dict[str, Article]
    passages: list[Passage]
    passage_store: VectorStore
    sentence_store: VectorStore

    @cached_property
    def sentence_rows(self) -> npt.NDArray[np.int64]:
        """Passage ``i``'s sentences are rows ``sentence_rows[i]:sentence_rows[i + 1]``."""
        return sentence_row_starts(self.passages)

    def passage_vectors(self, ids: npt.NDArray[np.int64]) -> Vectors:
        """The vectors of passages ``ids``, in that order."""
        return self.passage_store.vectors(np.asarray(ids, dtype=np.int64))

    def sentence_vectors_of(self, passage_ids: npt.NDArray[np.int64]) -> Vectors:
        """The sentence vectors of passages ``passage_ids``, passage after passage."""
        rows = self.sentence_rows
        wanted = [np.arange(rows[i], rows[i + 1]) for i in np.asarray(passage_ids, np.int64)]
        flat = np.concatenate(wanted) if wanted else np.zeros(0, dtype=np.int64)
        return self.sentence_store.vectors(flat.astype(np.int64))

    def passage_sentence_vectors(self, passage_id: int) -> Vectors:
        """The vectors of one passage's sentences."""
        return self.sentence_vectors_of(np.array([passage_id], dtype=np.int64))


def sentence_row_starts(passages: list[Passage]) -> npt.NDArray[np.int64]:
    """Where each passage's sentences start among all sentence vectors, plus the total."""
    counts = [len(passage.sentences) for passage in passages]
    return np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])


def rebuild_command(index_dir: Path) -> str:
    """The command that rebuilds the index at ``index_dir`` from scratch."""
    return f"briefing-index build --full --out {index_dir}"


def write_index(
    index_dir: Path,
    manifest: Manifest,
    articles: list[Article],
    passages: list[Passage],
    vectors: Vectors,
    sentence_vectors: Vectors,
    backend: VectorBackend | None = None,
) -> Manifest:
    """Writes a complete index in a temporary folder beside ``index_dir``, then swaps it in.

    Returns:
        The manifest as written, with the backend and its references to the vector sets.

    Raises:
        IndexWriteError: The folder could not be written (a full disk, no permission); the
            index at ``index_dir``, if any, is unchanged and nothing is left beside it.
    """
    backend = backend or FaissBackend()
    build_id = uuid.uuid4().hex[:12]
    with staging_folder(index_dir) as staging:
        _write_jsonl(staging / ARTICLES, (asdict(article) for article in articles))
        _write_jsonl(staging / PASSAGES, (asdict(passage) for passage in passages))
        references = {
            name: backend.save(staging, name, rows, build_id)
            for name, rows in zip(VECTOR_SETS, (vectors, sentence_vectors), strict=True)
        }
        manifest = replace(manifest, vector_store=backend.kind, vector_sets=references)
        (staging / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        # Readers that opened the previous index keep reading its vectors: keep them too.
        keep = set(references.values()) | set(_current_vector_sets(index_dir))
        swap_in(staging, index_dir)
    backend.retire(keep)
    return manifest


def _current_vector_sets(index_dir: Path) -> list[str]:
    """The vector sets the index now at ``index_dir`` uses; none if it cannot be read."""
    try:
        data = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
        return [str(reference) for reference in data["vector_sets"].values()]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


def _write_jsonl(path: Path, rows: Iterator[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as file:
        for row in rows:
            file.write(json.dumps(row, ensure_ascii=False) + "\n")


def load_index(
    index_dir: Path, expected_model: str | None = None, backend: VectorBackend | None = None
) -> StoredIndex:
    """Reads the index at ``index_dir`` and checks it is whole and of the expected model.

    An index whose vectors are FAISS files opens with any ``backend``; one whose vectors are in
    Qdrant needs the Qdrant backend the bot is configured with.

    Raises:
        IndexMissingError: There is no index there.
        IndexMismatchError: It has another format version or model.
        IndexCorruptError: Its files are missing, unreadable or disagree with each other.
    """
    if not index_dir.exists():
        raise IndexMissingError(f"no index at {index_dir}: run `briefing-index build` first")
    for attempt in range(_LOAD_ATTEMPTS):
        try:
            return _load_consistent(index_dir, expected_model, backend or FaissBackend())
        except FileNotFoundError:
            # A build swapped the folder while we read it: the new one is complete, read it.
            time.sleep(0.05 * (attempt + 1))
        except OSError as error:  # not a folder, no permission, an I/O error of the disk
            raise _corrupt(index_dir, f"cannot be read: {error.strerror}") from error
    raise IndexCorruptError(
        f"index at {index_dir} is incomplete (a file is missing): "
        f"run `{rebuild_command(index_dir)}`"
    )


def _load_consistent(
    index_dir: Path, expected_model: str | None, backend: VectorBackend
) -> StoredIndex:
    # Every file is read through one descriptor of the folder, so all come from the same build
    # even if a new build is swapped in meanwhile.
    folder = os.open(index_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        manifest = _read_manifest(folder, index_dir, expected_model)
        backend = _backend_for(manifest, backend, index_dir)
        try:
            articles = [Article(**row) for row in _read_jsonl(folder, ARTICLES)]
            passages = [_passage(row) for row in _read_jsonl(folder, PASSAGES)]
            stores = [
                backend.open(folder, manifest.vector_sets[name], manifest.dimension)
                for name in VECTOR_SETS
            ]
        except (ValueError, TypeError, KeyError, AttributeError, RuntimeError) as error:
            raise _corrupt(index_dir, str(error).splitlines()[0] if str(error) else "") from error
    finally:
        os.close(folder)
    index = StoredIndex(
        index_dir, manifest, {a.source: a for a in articles}, passages, stores[0], stores[1]
    )
    _check_consistent(index)
    return index


def _passage(row: dict[str, Any]) -> Passage:
    sentences = tuple((int(start), int(end)) for start, end in row.pop("sentences"))
    return Passage(**row, sentences=sentences)


def _backend_for(manifest: Manifest, configured: VectorBackend, index_dir: Path) -> VectorBackend:
    """The backend that opens this index's vectors: FAISS files need no configuration."""
    if manifest.vector_store == configured.kind:
        return configured
    if manifest.vector_store == FaissBackend.kind:
        return FaissBackend()
    raise IndexMismatchError(
        f"index at {index_dir} keeps its vectors in {manifest.vector_store}: set "
        f"BRIEFING_VECTOR_STORE={manifest.vector_store} (and QDRANT_URL), or run "
        f"`{rebuild_command(index_dir)}`"
    )


def _read_manifest(folder: int, index_dir: Path, expected_model: str | None) -> Manifest:
    try:
        data = json.loads(_read_bytes(folder, MANIFEST))
    except FileNotFoundError:
        if _swapped_away(folder, index_dir):
            raise  # a build replaced the folder and is removing the old one: read the new one
        raise IndexMissingError(
            f"no index at {index_dir} (no {MANIFEST}): run `briefing-index build` first"
        ) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise _corrupt(index_dir, f"{MANIFEST} is not JSON") from error
    if not isinstance(data, dict):
        raise _corrupt(index_dir, f"{MANIFEST} is not a JSON object")
    if "format_version" not in data:
        raise _corrupt(index_dir, f"{MANIFEST} has no format_version")
    version = data["format_version"]
    if version != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {index_dir} has format version {version}, this version of the bot reads "
            f"{FORMAT_VERSION}: run `{rebuild_command(index_dir)}`"
        )
    try:
        manifest = Manifest.from_dict(data)
    except ValueError as error:
        raise _corrupt(index_dir, str(error)) from error
    if expected_model is not None and manifest.model != expected_model:
        raise IndexMismatchError(
            f"index at {index_dir} was built with model {manifest.model!r}, but the configured "
            f"model is {expected_model!r}: run `{rebuild_command(index_dir)}`, or set "
            f"EMBEDDING_MODEL={manifest.model}"
        )
    return manifest


def _swapped_away(folder: int, index_dir: Path) -> bool:
    """Whether the folder open at ``folder`` is no longer the one at ``index_dir``."""
    try:
        current = os.stat(index_dir)
    except FileNotFoundError:
        return True  # between the two renames of a swap without an atomic exchange
    opened = os.fstat(folder)
    return (opened.st_dev, opened.st_ino) != (current.st_dev, current.st_ino)


def _read_bytes(folder: int, name: str) -> bytes:
    descriptor = os.open(name, os.O_RDONLY, dir_fd=folder)
    with os.fdopen(descriptor, "rb") as file:
        return file.read()


def _read_jsonl(folder: int, name: str) -> list[dict[str, Any]]:
    """The rows of a JSON Lines file of the index.

    Raises:
        ValueError: A line is not a JSON object (the file was cut short or overwritten).
    """
    rows = []
    for number, line in enumerate(_read_bytes(folder, name).split(b"\n"), 1):
        if not line:
            continue
        try:
            row = json.loads(line)
        except ValueError:
            row = None
        if not isinstance(row, dict):
            raise ValueError(f"{name} line {number} is not a JSON object (cut short?)")
        rows.append(row)
    return rows


def _check_consistent(index: StoredIndex) -> None:
    manifest, passages = index.manifest, index.passages
    sources = {article.source for article in index.articles.values()}
    sentences = sum(len(passage.sentences) for passage in passages)
    problems = [
        (
            len(index.articles) != manifest.articles,
            f"{len(index.articles)} articles, manifest says {manifest.articles}",
        ),
        (
            len(passages) != manifest.passages,
            f"{len(passages)} passages, manifest says {manifest.passages}",
        ),
        (
            index.passage_store.size != len(passages),
            f"{index.passage_store.size} vectors for {len(passages)} passages",
        ),
        (
            index.sentence_store.size != sentences,
            f"{index.sentence_store.size} vectors for {sentences} sentences",
        ),
        (any(p.id != i for i, p in enumerate(passages)), "passage ids out of order"),
        (any(p.source not in sources for p in passages), "a passage of an unknown article"),
    ]
    for failed, problem in problems:
        if failed:
            raise _corrupt(index.path, problem)


def _corrupt(index_dir: Path, problem: str) -> IndexCorruptError:
    return IndexCorruptError(
        f"index at {index_dir} is damaged ({problem}): run `{rebuild_command(index_dir)}`"
    )
