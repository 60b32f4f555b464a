from __future__ import annotations

import json

import pytest

from index import cli
from index.bench import run_bench
from tests.conftest import REPO, SEEDS
from tests.fakes import FakeEmbedder


def test_bench_measures_pipeline_floor_build_and_memory() -> None:
    embedder = FakeEmbedder()
    report = run_bench(
        embedder, SEEDS, ["What did Lavrov say?", "Who won the World Cup?"], rounds=2
    )
    latency = report.latency
    assert latency.questions == 2
    assert 0 < latency.floor_p50_ms <= latency.floor_p95_ms
    assert 0 < latency.pipeline_p50_ms <= latency.pipeline_p95_ms
    assert report.build.passages == 12 and report.build.texts > report.build.passages
    assert report.build.build_seconds > 0 and report.build.encode_seconds > 0
    assert report.peak_rss_mib > 10
    # The encode timed as the build's floor embedded each text once more.
    assert len(embedder.passages_embedded) == 2 * report.build.texts


def test_bench_command_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EMBEDDING_MODEL", "fake-hashing-256")
    monkeypatch.setattr(cli, "load_embedder", lambda name: FakeEmbedder(name=name))
    questions = str(REPO / "eval" / "seed_questions.jsonl")
    assert (
        cli.main(
            ["bench", "--seeds", str(SEEDS), "--questions", questions, "--rounds", "1", "--json"]
        )
        == 0
    )
    figures = json.loads(capsys.readouterr().out)
    assert figures["model"] == "fake-hashing-256"
    assert figures["latency"]["questions"] == 48
    assert set(figures) == {"model", "latency", "build", "peak_rss_mib"}
