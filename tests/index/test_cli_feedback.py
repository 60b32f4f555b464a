"""``briefing-index feedback``: what readers found wrong, newest first, from the database
beside the index folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from index import cli
from index.feedback import CitedPassage, Feedback, FeedbackStore, Verdict, feedback_path
from tests.conftest import LAVROV_SOURCE

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def index_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    folder = tmp_path / "var" / "index"
    monkeypatch.setenv("BRIEFING_INDEX_DIR", str(folder))
    return folder


def _press(index_dir: Path, verdict: Verdict, question: str, minutes: int) -> None:
    FeedbackStore(feedback_path(index_dir)).record(
        Feedback(
            at=T0 + timedelta(minutes=minutes),
            chat_id=1002,
            user_id=1002,
            answer_key=f"1002:{minutes}",
            question=question,
            verdict=verdict,
            answer=f"An answer to {question} [1]",
            passages=(CitedPassage(LAVROV_SOURCE, 6, "Sergei Lavrov said Berlin did not …"),),
        )
    )


def test_no_database_is_no_feedback_yet(
    index_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["feedback"]) == 0
    assert capsys.readouterr().out.startswith("no feedback yet")
    assert cli.main(["feedback", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "no feedback yet" in captured.err
    assert not feedback_path(index_dir).exists()


def test_the_answers_found_wrong_newest_first_with_a_count(
    index_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _press(index_dir, "down", "What did Lavrov say?", 0)
    _press(index_dir, "up", "What did Zakharova say?", 1)
    _press(index_dir, "down", "Who is Krutskikh?", 2)
    assert cli.main(["feedback"]) == 0
    out = capsys.readouterr().out
    assert "Zakharova" not in out
    assert out.index("Q: Who is Krutskikh?") < out.index("Q: What did Lavrov say?")
    assert "A: An answer to What did Lavrov say? [1]" in out
    assert f"[1] {LAVROV_SOURCE} · paragraph 6" in out and "Sergei Lavrov said" in out
    assert out.splitlines()[-2:] == ["2 answers marked 👎", "(1 marked 👍: --all lists them too)"]
    assert cli.main(["feedback", "--all", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert out.index("Krutskikh") < out.index("Zakharova") and "Lavrov say" not in out
    assert out.splitlines()[-1] == "2 of 3 answers marked 👍 or 👎"


def test_json_lines_and_another_index_folder(
    index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "elsewhere" / "index"
    _press(other, "down", "What did Lavrov say?", 0)
    assert cli.main(["feedback", "--json", "--index", str(other)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    entry = json.loads(line)
    assert entry["verdict"] == "down" and entry["question"] == "What did Lavrov say?"
    assert entry["at"] == "2026-05-01T12:00:00+00:00" and entry["user_id"] == 1002
    assert entry["passages"] == [
        {"source": LAVROV_SOURCE, "paragraph": 6, "text": "Sergei Lavrov said Berlin did not …"}
    ]


def test_a_damaged_database_is_a_one_line_error(
    index_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = feedback_path(index_dir)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x00garbage" * 200)
    assert cli.main(["feedback"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("briefing-index: error: feedback database") and err.count("\n") == 1
