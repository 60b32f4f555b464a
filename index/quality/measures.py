"""The measurements behind ``briefing-index bench``, each against its floor."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from index.build import build_index
from index.config import IndexSettings
from index.embedding.batching import BatchingParams
from index.embedding.models import Embedder
from index.quality.synthetic import write_synthetic_briefing
from index.service import BriefingService, Pipeline
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

    @property
    def ratio_p50(self) -> float:
        """Pipeline over floor at the median (goal: at most 1.3)."""
        return self.pipeline_p50_ms / self.floor_p50_ms


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
    """The pipeline and its floor (the model's own encode plus one FAISS search), interleaved."""
    embedder, store = pipeline.embedder, pipeline.index.passage_store
    pipeline.answer(questions[0])  # warm-up: first calls pay for lazy initialisation
    whole: list[float] = []
    floor: list[float] = []
    for _ in range(rounds):
        for question in questions:
            whole.append(_seconds(partial(pipeline.answer, question)))
            floor.append(_seconds(partial(_floor, embedder, store, question)))
    return LatencyFigures(
        len(questions),
        _ms(statistics.median(whole)),
        _ms(_p95(whole)),
        _ms(statistics.median(floor)),
        _ms(_p95(floor)),
    )


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


def bot_process_peak_mib(index_dir: Path, model: str, question: str) -> float | None:
    """Peak resident memory of ``briefing-bot ask`` over ``index_dir``: the bot's model,
    index and answer pipeline in a process of their own; None if it could not run.

    The peak is the child's own ``VmHWM``, read while it runs: the rusage of children would
    count this process's memory too, which a child inherits across fork and exec.
    """
    command = shutil.which("briefing-bot", path=str(Path(sys.executable).parent))
    if command is None:
        return None
    environment = {**os.environ, "EMBEDDING_MODEL": model, "BRIEFING_INDEX_DIR": str(index_dir)}
    peak_kib = 0
    with subprocess.Popen(
        [command, "ask", question],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as child:
        deadline = time.monotonic() + 600
        while child.poll() is None and time.monotonic() < deadline:
            peak_kib = max(peak_kib, _high_water_kib(child.pid))
            time.sleep(0.02)
        if child.poll() is None:
            child.kill()
        returncode = child.wait()
    return round(peak_kib / 1024, 1) if returncode == 0 and peak_kib else None


def _high_water_kib(pid: int) -> int:
    """``VmHWM`` of a process, in KiB; 0 once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _ms(seconds: float) -> float:
    return round(1000 * seconds, 2)
