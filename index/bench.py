"""``briefing-index bench``: speed and memory measured on this machine, against the floor.

Every figure is measured in the same run as the floor it is compared with, so a busy or slow
machine moves both.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

from index.answers import Answerer
from index.build import build_index
from index.embedding import Embedder
from index.search import Searcher
from index.store import load_index
from index.vectorstore import VectorStore


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
    """A full build of the seeds against encoding the same texts alone."""

    passages: int
    texts: int
    build_seconds: float
    encode_seconds: float

    @property
    def ratio(self) -> float:
        """Build throughput over encode throughput (goal: at least 0.9)."""
        return self.encode_seconds / self.build_seconds


@dataclass(frozen=True, slots=True)
class BenchReport:
    """Everything ``briefing-index bench`` measured."""

    model: str
    latency: LatencyFigures
    build: BuildFigures
    peak_rss_mib: float

    def as_dict(self) -> dict[str, object]:
        """The figures for ``--json``."""
        return {
            "model": self.model,
            "latency": {**asdict(self.latency), "ratio_p50": round(self.latency.ratio_p50, 3)},
            "build": {**asdict(self.build), "ratio": round(self.build.ratio, 3)},
            "peak_rss_mib": round(self.peak_rss_mib, 1),
        }


def run_bench(
    embedder: Embedder, seeds_dir: Path, questions: Sequence[str], rounds: int = 3
) -> BenchReport:
    """Builds the seeds in a temporary folder, then times questions and the build."""
    with tempfile.TemporaryDirectory(prefix="briefing-bench-") as scratch:
        index_dir = Path(scratch) / "index"
        started = time.perf_counter()
        report = build_index(seeds_dir, index_dir, embedder, full=True)
        build_seconds = time.perf_counter() - started
        index = load_index(index_dir, expected_model=embedder.name)
        # The same texts the build embedded: passages, and sentences needing their own vector.
        texts = [p.text for p in index.passages] + [
            text for p in index.passages for text in p.sentences_to_embed()
        ]
        encode_seconds = _seconds(lambda: embedder.embed_passages(texts))
        answerer = Answerer(Searcher(index, embedder))
        latency = _latency(answerer, questions, rounds)
    build = BuildFigures(
        report.passages, len(texts), round(build_seconds, 3), round(encode_seconds, 3)
    )
    return BenchReport(embedder.name, latency, build, _peak_rss_mib())


def _latency(answerer: Answerer, questions: Sequence[str], rounds: int) -> LatencyFigures:
    """The pipeline and its floor (the model's own encode plus one FAISS search), interleaved."""
    embedder, store = answerer.searcher.embedder, answerer.searcher.index.passage_store
    answerer.answer(questions[0])  # warm-up: first calls pay for lazy initialisation
    pipeline: list[float] = []
    floor: list[float] = []
    for _ in range(rounds):
        for question in questions:
            pipeline.append(_seconds(partial(answerer.answer, question)))
            floor.append(_seconds(partial(_floor, embedder, store, question)))
    return LatencyFigures(
        len(questions),
        _ms(statistics.median(pipeline)),
        _ms(_p95(pipeline)),
        _ms(statistics.median(floor)),
        _ms(_p95(floor)),
    )


def _floor(embedder: Embedder, store: VectorStore, question: str) -> object:
    return store.search(embedder.embed_queries([question]), 5)


def _seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _ms(seconds: float) -> float:
    return round(1000 * seconds, 2)


def _peak_rss_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
