"""Building the index: ingest, chunk, embed what changed, write atomically."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from tqdm import tqdm

from index.articles.chunking import ChunkingParams, Span, chunk_document
from index.articles.ingest import Document, Ingested, SkippedFile, ingest
from index.embedding.models import Embedder, Vectors
from index.errors import BriefingError, SeedsError
from index.records import Article, Passage
from index.store.folder import StoredIndex, load_index, sentence_row_starts, write_index
from index.store.manifest import Manifest
from index.store.staging import build_lock
from index.store.vectors import FaissBackend, VectorBackend

logger = logging.getLogger(__name__)

EMBED_BATCH = 256


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did, for the summary line."""

    index_dir: Path
    articles: int
    passages: int
    embedded: int
    reused: int
    skipped: list[SkippedFile]
    seconds: float
    written: bool = True

    @property
    def duplicates(self) -> list[SkippedFile]:
        """The skipped files that have the same text as an indexed article."""
        return [skip for skip in self.skipped if skip.duplicate_of is not None]

    @property
    def passages_per_second(self) -> float:
        """Passages embedded per second of the whole build."""
        return self.embedded / self.seconds if self.seconds > 0 else 0.0


def build_index(
    seeds_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    chunking: ChunkingParams | None = None,
    full: bool = False,
    progress: bool = False,
    backend: VectorBackend | None = None,
    apart: bool = False,
) -> BuildReport:
    """Builds the index of every article under ``seeds_dir`` into ``index_dir``.

    Incremental unless ``full``: an article whose bytes are unchanged since the previous
    build of the same model and chunking keeps its stored vectors. The vectors go to
    ``backend`` (FAISS files in the index folder by default). ``apart``: the files are read in a
    process of their own (``index.articles.apart``), for a caller that must stay small.

    Raises:
        SeedsError: No readable article under ``seeds_dir``.
        BuildLockedError: Another build of ``index_dir`` is running.
        IndexWriteError: The index could not be written (a full disk); the previous one stays.
    """
    chunking = chunking or ChunkingParams()
    started = time.perf_counter()
    with build_lock(index_dir):
        ingested = ingest(seeds_dir, apart=apart)
        if not ingested.documents:
            raise SeedsError(
                f"no readable article in {seeds_dir}: add articles (.txt, .md, .html, .pdf, .docx, "
                ".eml, feeds)"
                + (
                    f" ({len(ingested.skipped)} skipped, see the warnings)"
                    if ingested.skipped
                    else ""
                )
            )
        previous = None if full else _reusable_index(index_dir, embedder, chunking, backend)
        spans = {doc.article.source: chunk_document(doc, chunking) for doc in ingested.documents}
        passages = _number_passages(ingested.documents, spans)
        articles = [doc.article for doc in ingested.documents]
        backend = backend or FaissBackend()
        up_to_date = _is_up_to_date(previous, articles, passages, ingested.skipped, backend)
        embedded = 0
        if (
            not up_to_date
            and previous is not None
            and previous.manifest.dimension != embedder.dimension
        ):
            previous = None  # same name, other vectors: nothing can be reused
        if not up_to_date:
            reused = _reused_vectors(previous, ingested.documents, spans)
            vectors, sentence_vectors, embedded = _embed_missing(
                embedder, passages, reused, progress
            )
            manifest = _manifest(embedder, chunking, ingested, passages, embedded, started)
            write_index(index_dir, manifest, articles, passages, vectors, sentence_vectors, backend)
    return BuildReport(
        index_dir=index_dir,
        articles=len(articles),
        passages=len(passages),
        embedded=embedded,
        reused=len(passages) - embedded,
        skipped=ingested.skipped,
        seconds=time.perf_counter() - started,
        written=not up_to_date,
    )


def _manifest(
    embedder: Embedder,
    chunking: ChunkingParams,
    ingested: Ingested,
    passages: list[Passage],
    embedded: int,
    started: float,
) -> Manifest:
    return Manifest(
        model=embedder.name,
        dimension=embedder.dimension,
        chunking=chunking,
        sources={doc.article.source: doc.article.sha256 for doc in ingested.documents},
        articles=len(ingested.documents),
        passages=len(passages),
        sentences=sum(len(passage.sentences) for passage in passages),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 3),
        embedded=embedded,
        skipped={skip.source: skip.reason for skip in ingested.skipped},
    )


def _is_up_to_date(
    previous: StoredIndex | None,
    articles: list[Article],
    passages: list[Passage],
    skipped: list[SkippedFile],
    backend: VectorBackend,
) -> bool:
    """True when the stored index already holds exactly these articles and passages."""
    return (
        previous is not None
        and previous.manifest.vector_store == backend.kind
        and list(previous.articles.values()) == articles
        and previous.passages == passages
        and previous.manifest.skipped == {skip.source: skip.reason for skip in skipped}
    )


def _reusable_index(
    index_dir: Path, embedder: Embedder, chunking: ChunkingParams, backend: VectorBackend | None
) -> StoredIndex | None:
    """The previous index, if its vectors can be reused by this build."""
    if not index_dir.exists():
        return None
    try:
        previous = load_index(index_dir, expected_model=embedder.name, backend=backend)
    except BriefingError as error:
        logger.info("re-embedding everything: %s", error)
        return None
    # The model name was checked on load; its dimension is not, so that an up-to-date index
    # is recognised without loading the model.
    if previous.manifest.chunking != chunking:
        logger.info("re-embedding everything: chunking changed")
        return None
    return previous


def _number_passages(documents: list[Document], spans: dict[str, list[Span]]) -> list[Passage]:
    passages: list[Passage] = []
    for document in documents:
        source = document.article.source
        for span in spans[source]:
            text = document.text[span.start : span.end]
            passages.append(
                Passage(
                    len(passages),
                    source,
                    span.paragraph,
                    span.start,
                    span.end,
                    text,
                    span.sentences,
                )
            )
    return passages


def _reused_vectors(
    previous: StoredIndex | None, documents: list[Document], spans: dict[str, list[Span]]
) -> dict[str, tuple[Vectors, Vectors]]:
    """Stored passage and sentence vectors of every article whose file is unchanged."""
    if previous is None:
        return {}
    old_passages: dict[str, list[Passage]] = {}
    for passage in previous.passages:
        old_passages.setdefault(passage.source, []).append(passage)
    reused: dict[str, tuple[Vectors, Vectors]] = {}
    for document in documents:
        source = document.article.source
        old = old_passages.get(source, [])
        # Same bytes and the same spans: the stored vectors embed exactly the passages of now.
        if previous.manifest.sources.get(source) != document.article.sha256 or [
            (p.start, p.end, p.sentences) for p in old
        ] != [(s.start, s.end, s.sentences) for s in spans[source]]:
            continue
        ids = np.array([p.id for p in old], dtype=np.int64)
        reused[source] = (previous.passage_vectors(ids), previous.sentence_vectors_of(ids))
    return reused


def _embed_missing(
    embedder: Embedder,
    passages: list[Passage],
    reused: dict[str, tuple[Vectors, Vectors]],
    progress: bool,
) -> tuple[Vectors, Vectors, int]:
    """Passage and sentence vectors: reused where possible, embedded in batches otherwise."""
    first_row = sentence_row_starts(passages)
    vectors = np.zeros((len(passages), embedder.dimension), dtype=np.float32)
    sentences = np.zeros((int(first_row[-1]), embedder.dimension), dtype=np.float32)
    jobs: list[tuple[Vectors, int, str]] = []  # (array, row, text) still to embed
    for source, rows in _rows_by_source(passages).items():
        if source in reused:
            vectors[rows] = reused[source][0]
            sentences[first_row[rows[0]] : first_row[rows[-1] + 1]] = reused[source][1]
            continue
        for row in rows:
            jobs.append((vectors, row, passages[row].text))
            for offset, text in enumerate(passages[row].sentences_to_embed()):
                jobs.append((sentences, int(first_row[row]) + offset, text))
    # Longest first, in big batches: texts of a batch are padded to its longest, so texts of
    # like length together waste the least (as sentence-transformers does within one call).
    jobs.sort(key=lambda job: len(job[2]), reverse=True)
    if jobs:
        logger.info("embedding %d texts with %s", len(jobs), embedder.name)
    with tqdm(total=len(jobs), unit="text", desc="Embedding", disable=not progress) as bar:
        for first in range(0, len(jobs), EMBED_BATCH):
            batch = jobs[first : first + EMBED_BATCH]
            for (target, row, _), vector in zip(
                batch, embedder.embed_passages([j[2] for j in batch]), strict=True
            ):
                target[row] = vector
            bar.update(len(batch))
            logger.debug("embedded %d of %d texts", first + len(batch), len(jobs))
    # A passage that is one sentence has that sentence's vector: it was embedded once.
    for row, passage in enumerate(passages):
        if passage.is_one_sentence and passage.source not in reused:
            sentences[first_row[row]] = vectors[row]
    return vectors, sentences, sum(1 for job in jobs if job[0] is vectors)


def _rows_by_source(passages: list[Passage]) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    for passage in passages:
        rows.setdefault(passage.source, []).append(passage.id)
    return rows
