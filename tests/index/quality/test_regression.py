"""`briefing-index eval` over the briefing's own question sets, gated by their baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import cli
from index.errors import BriefingError
from index.quality.regression import Baseline, find_regressions, read_baseline, write_baseline
from tests.conftest import LAVROV_SOURCE


@pytest.fixture
def suite(fake_env: Path, seeds_dir: Path) -> Path:
    """The seeds with a question set of their own, indexed with the fake embedder."""
    folder = seeds_dir / ".eval"
    for name in ("seed_questions.jsonl", "baseline.json"):  # the project's, for the real model
        (folder / name).unlink()
    lines = [
        {"question": question, "gold": [{"source": LAVROV_SOURCE, "paragraph": paragraph}]}
        for question, paragraph in (
            ("Zakharova rejects accusations", 6),
            ("Krutskikh consultations Bundestag", 2),
        )
    ]
    (folder / "mine.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert cli.main(["build"]) == 0
    return folder


def test_the_suite_records_a_baseline_then_passes_against_it(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["eval"]) == 0
    assert "no baseline" in capsys.readouterr().out
    assert cli.main(["eval", "--update-baseline"]) == 0
    baseline = read_baseline(suite)
    assert baseline is not None and baseline.model == "fake-hashing-256"
    assert set(baseline.recall_at_1["mine.jsonl"]) == {"dense", "lexical", "hybrid", "answer"}
    assert cli.main(["eval"]) == 0
    out = capsys.readouterr().out
    assert f"question set {suite / 'mine.jsonl'}" in out and "within 0.04 of the baseline" in out


def test_a_drop_beyond_the_tolerance_fails(suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["eval", "--update-baseline"]) == 0
    recorded = read_baseline(suite)
    assert recorded is not None
    measured = recorded.recall_at_1["mine.jsonl"]["answer"]
    # As if the briefing's answers had been better before: one question (0.5) better.
    better = {"mine.jsonl": {**recorded.recall_at_1["mine.jsonl"], "answer": measured + 0.5}}
    write_baseline(suite, Baseline(recorded.model, 0.04, better))
    capsys.readouterr()
    assert cli.main(["eval"]) == 1
    assert f"REGRESSION mine.jsonl: answer Recall@1 {measured:.3f}" in capsys.readouterr().err
    write_baseline(suite, Baseline(recorded.model, 0.6, better))
    assert cli.main(["eval"]) == 0, "within a wider tolerance"


def test_a_baseline_of_another_model_is_not_compared(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_baseline(
        suite, Baseline("intfloat/multilingual-e5-small", 0.04, {"mine.jsonl": {"answer": 1.5}})
    )
    assert cli.main(["eval"]) == 0
    assert "not compared" in capsys.readouterr().out


def test_only_gated_modes_known_to_the_baseline_fail() -> None:
    baseline = Baseline(
        "m", 0.04, {"a.jsonl": {"dense": 0.9, "answer": 0.9}, "gone.jsonl": {"answer": 1.0}}
    )
    measured = {"a.jsonl": {"dense": 0.1, "answer": 0.87}, "new.jsonl": {"answer": 0.0}}
    assert find_regressions(baseline, measured) == []
    measured["a.jsonl"]["answer"] = 0.85
    assert [str(r) for r in find_regressions(baseline, measured)] == [
        "a.jsonl: answer Recall@1 0.850, baseline 0.900"
    ]


def test_a_mangled_baseline_names_the_command_that_rewrites_it(tmp_path: Path) -> None:
    (tmp_path / "baseline.json").write_text('{"model": "m"}')
    with pytest.raises(BriefingError, match="--update-baseline"):
        read_baseline(tmp_path)


def test_an_empty_eval_folder_says_what_to_add(
    suite: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (suite / "mine.jsonl").unlink()
    assert cli.main(["eval"]) == 1
    assert "no question sets in" in capsys.readouterr().err
