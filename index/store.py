"""An index on disk: a folder written once, swapped in atomically, checked on load.

Folder layout: ``manifest.json``, ``articles.jsonl``, ``passages.jsonl`` (one JSON object a
line, ``id`` equal to the line number), ``vectors.faiss`` (ids equal to passage ids) and
``sentences.faiss`` (one vector per sentence, in passage order).
A folder is never modified after it is swapped in, so a reader that opened it keeps reading
one consistent version even while a new build replaces it.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from index.embedding import Vectors
from index.errors import BuildLockedError, IndexCorruptError, IndexMismatchError, IndexMissingError
from index.manifest import FORMAT_VERSION, Manifest
from index.records import Article, Passage

MANIFEST = "manifest.json"
ARTICLES = "articles.jsonl"
PASSAGES = "passages.jsonl"
VECTORS = "vectors.faiss"
SENTENCES = "sentences.faiss"
FAISS_DESCRIPTION = "IDMap2,Flat (inner product)"
_LOAD_ATTEMPTS = 5


@dataclass(frozen=True)
class StoredIndex:
    """An index read from disk; ``passages[i].id == i``."""

    path: Path
    manifest: Manifest
    articles: dict[str, Article]
    passages: list[Passage]
    vectors: faiss.IndexIDMap2
    sentence_vectors: faiss.IndexFlatIP

    @cached_property
    def passage_matrix(self) -> Vectors:
        """Every passage's vector, row ``i`` for passage ``i`` (a view, not a copy)."""
        ids = faiss.vector_to_array(self.vectors.id_map)
        if not np.array_equal(ids, np.arange(len(ids))):
            raise ValueError("passage vectors are not stored in id order")
        return _flat_view(faiss.downcast_index(self.vectors.index))

    @cached_property
    def sentence_matrix(self) -> Vectors:
        """Every sentence's vector, passage by passage (a view, not a copy)."""
        return _flat_view(self.sentence_vectors)

    @cached_property
    def sentence_rows(self) -> npt.NDArray[np.int64]:
        """Passage ``i``'s sentences are rows ``sentence_rows[i]:sentence_rows[i + 1]``."""
        return sentence_row_starts(self.passages)

    def passage_sentence_vectors(self, passage_id: int) -> Vectors:
        """The vectors of one passage's sentences."""
        rows = self.sentence_rows
        return self.sentence_matrix[rows[passage_id] : rows[passage_id + 1]]


def sentence_row_starts(passages: list[Passage]) -> npt.NDArray[np.int64]:
    """Where each passage's sentences start among all sentence vectors, plus the total."""
    counts = [len(passage.sentences) for passage in passages]
    return np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])


def _flat_view(index: Any) -> Vectors:
    # The flat index's own storage: reading vectors costs no copy of the whole index.
    data = faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d)
    return np.asarray(data, dtype=np.float32).reshape(index.ntotal, index.d)


def rebuild_command(index_dir: Path) -> str:
    """The command that rebuilds the index at ``index_dir`` from scratch."""
    return f"briefing-index build --full --out {index_dir}"


def new_vector_index(vectors: Vectors) -> faiss.IndexIDMap2:
    """An exact inner-product FAISS index holding ``vectors`` with ids 0..n-1."""
    index = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
    index.add_with_ids(vectors, np.arange(len(vectors), dtype=np.int64))
    return index


def write_index(
    index_dir: Path,
    manifest: Manifest,
    articles: list[Article],
    passages: list[Passage],
    vectors: Vectors,
    sentence_vectors: Vectors,
) -> None:
    """Writes a complete index in a temporary folder beside ``index_dir``, then swaps it in."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.building-", dir=index_dir.parent))
    try:
        _write_jsonl(staging / ARTICLES, (asdict(article) for article in articles))
        _write_jsonl(staging / PASSAGES, (asdict(passage) for passage in passages))
        faiss.write_index(new_vector_index(vectors), str(staging / VECTORS))
        sentences = faiss.IndexFlatIP(sentence_vectors.shape[1])
        sentences.add(sentence_vectors)
        faiss.write_index(sentences, str(staging / SENTENCES))
        (staging / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        for name in (ARTICLES, PASSAGES, VECTORS, SENTENCES, MANIFEST):
            _fsync(staging / name)
        _fsync(staging)
        _swap_in(staging, index_dir)
        _fsync(index_dir.parent)
    finally:
        # After an exchange the staging path holds the previous index; either way it goes.
        shutil.rmtree(staging, ignore_errors=True)


def _write_jsonl(path: Path, rows: Iterator[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as file:
        for row in rows:
            file.write(json.dumps(row, ensure_ascii=False) + "\n")


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _swap_in(staging: Path, index_dir: Path) -> None:
    """Puts ``staging`` at ``index_dir``; the old folder, if any, ends up at ``staging``."""
    if not index_dir.exists():
        os.rename(staging, index_dir)
        return
    if _exchange(staging, index_dir):
        return
    # No atomic exchange here (not Linux, or a file system without it): two renames, with
    # a window in which a reader finds no folder and retries.
    retired = staging.with_name(staging.name + "-old")
    os.rename(index_dir, retired)
    os.rename(staging, index_dir)
    shutil.rmtree(retired, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swaps two paths atomically (Linux ``renameat2``); False where that is unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(second))


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Holds the lock that lets one build at a time write ``index_dir``."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = index_dir.parent / f".{index_dir.name}.lock"
    with lock_path.open("a") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise BuildLockedError(
                f"another build of {index_dir} is running: wait for it to finish"
            ) from error
        try:
            _remove_stale_staging(index_dir)
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _remove_stale_staging(index_dir: Path) -> None:
    """Removes folders left by a build that was killed before it could clean up."""
    for stale in index_dir.parent.glob(f".{index_dir.name}.building-*"):
        shutil.rmtree(stale, ignore_errors=True)


def load_index(index_dir: Path, expected_model: str | None = None) -> StoredIndex:
    """Reads the index at ``index_dir`` and checks it is whole and of the expected model.

    Raises:
        IndexMissingError: There is no index there.
        IndexMismatchError: It has another format version or model.
        IndexCorruptError: Its files are missing, unreadable or disagree with each other.
    """
    if not index_dir.exists():
        raise IndexMissingError(f"no index at {index_dir}: run `briefing-index build` first")
    for attempt in range(_LOAD_ATTEMPTS):
        try:
            return _load_consistent(index_dir, expected_model)
        except FileNotFoundError:
            # A build swapped the folder while we read it: the new one is complete, read it.
            time.sleep(0.05 * (attempt + 1))
    raise IndexCorruptError(
        f"index at {index_dir} is incomplete (a file is missing): "
        f"run `{rebuild_command(index_dir)}`"
    )


def _load_consistent(index_dir: Path, expected_model: str | None) -> StoredIndex:
    # Every file is read through one descriptor of the folder, so all come from the same build
    # even if a new build is swapped in meanwhile.
    folder = os.open(index_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        manifest = _read_manifest(folder, index_dir, expected_model)
        try:
            articles = [Article(**row) for row in _read_jsonl(folder, ARTICLES)]
            passages = [_passage(row) for row in _read_jsonl(folder, PASSAGES)]
            vectors = _read_faiss(folder, VECTORS, faiss.IndexIDMap2)
            sentence_vectors = _read_faiss(folder, SENTENCES, faiss.IndexFlatIP)
        except (ValueError, TypeError, KeyError, RuntimeError, UnicodeDecodeError) as error:
            raise _corrupt(index_dir, str(error).splitlines()[0] if str(error) else "") from error
    finally:
        os.close(folder)
    index = StoredIndex(
        index_dir, manifest, {a.source: a for a in articles}, passages, vectors, sentence_vectors
    )
    _check_consistent(index)
    return index


def _passage(row: dict[str, Any]) -> Passage:
    sentences = tuple((int(start), int(end)) for start, end in row.pop("sentences"))
    return Passage(**row, sentences=sentences)


def _read_faiss(folder: int, name: str, kind: type[Any]) -> Any:
    index = faiss.deserialize_index(np.frombuffer(_read_bytes(folder, name), dtype=np.uint8))
    if not isinstance(index, kind):
        raise ValueError(f"{name} holds a {type(index).__name__}, not an {kind.__name__}")
    return index


def _read_manifest(folder: int, index_dir: Path, expected_model: str | None) -> Manifest:
    try:
        data = json.loads(_read_bytes(folder, MANIFEST))
    except FileNotFoundError:
        raise IndexMissingError(
            f"no index at {index_dir} (no {MANIFEST}): run `briefing-index build` first"
        ) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise _corrupt(index_dir, f"{MANIFEST} is not JSON") from error
    version = data.get("format_version") if isinstance(data, dict) else None
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


def _read_bytes(folder: int, name: str) -> bytes:
    descriptor = os.open(name, os.O_RDONLY, dir_fd=folder)
    with os.fdopen(descriptor, "rb") as file:
        return file.read()


def _read_jsonl(folder: int, name: str) -> list[dict[str, Any]]:
    lines = _read_bytes(folder, name).decode("utf-8").splitlines()
    return [json.loads(line) for line in lines if line]


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
            index.vectors.ntotal != len(passages),
            f"{index.vectors.ntotal} vectors for {len(passages)} passages",
        ),
        (
            index.sentence_vectors.ntotal != sentences,
            f"{index.sentence_vectors.ntotal} vectors for {sentences} sentences",
        ),
        (
            index.vectors.d != manifest.dimension,
            f"vectors of dimension {index.vectors.d}, manifest says {manifest.dimension}",
        ),
        (
            index.sentence_vectors.d != manifest.dimension,
            f"sentence vectors of dimension {index.sentence_vectors.d}",
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
