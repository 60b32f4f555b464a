from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot import cli
from index import cli as index_cli
from tests.conftest import LAVROV_SOURCE
from tests.fakes import FakeEmbedder


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch, seeds_dir: Path, index_dir: Path) -> Path:
    monkeypatch.setenv("BRIEFING_SEEDS_DIR", str(seeds_dir))
    monkeypatch.setenv("BRIEFING_INDEX_DIR", str(index_dir))
    monkeypatch.setenv("EMBEDDING_MODEL", "fake-hashing-256")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setattr(index_cli, "load_embedder", lambda name: FakeEmbedder(name=name))
    monkeypatch.setattr(cli, "load_embedder", lambda name: FakeEmbedder(name=name))
    assert index_cli.main(["build"]) == 0
    return seeds_dir


def test_ask_json_shape(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert cli.main(["ask", "What did Zakharova say?", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert set(answer) == {"question", "found", "answer", "citations"}
    assert answer["found"] is True and "[1]" in answer["answer"]
    citation = answer["citations"][0]
    assert set(citation) == {
        "n",
        "source",
        "title",
        "date",
        "paragraph",
        "start",
        "end",
        "score",
        "text",
        "also_in",
    }
    assert citation["also_in"] == []  # the two seed articles tell different stories
    assert citation["n"] == 1 and citation["source"] == LAVROV_SOURCE and citation["paragraph"] == 6
    text = (built / citation["source"]).read_text(encoding="utf-8")
    assert text[citation["start"] : citation["end"]] == citation["text"]


def test_ask_reads_questions_from_stdin(
    built: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("What did Lavrov say?\n\nWhat did Titov say?\n"))
    assert cli.main(["ask", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["question"] for line in lines] == ["What did Lavrov say?", "What did Titov say?"]


def test_ask_text_has_a_source_list(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert cli.main(["ask", "What did Zakharova say?"]) == 0
    out = capsys.readouterr().out
    assert "Sources:" in out
    assert (
        f"[1] Moscow has invited Berlin to consult on cyber security, paragraph 6 ({LAVROV_SOURCE})"
        in out
    )


def test_no_token_explains_telegram_and_opens_the_chat(
    built: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("What did Zakharova say?\n"))
    assert cli.main([]) == 0
    captured = capsys.readouterr()
    assert "@BotFather" in captured.err and "TELEGRAM_BOT_TOKEN" in captured.err
    assert "Zakharova said" in captured.out


def test_missing_index_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BRIEFING_INDEX_DIR", str(tmp_path / "none"))
    assert cli.main(["ask", "anything"]) == 1
    assert "briefing-index build" in capsys.readouterr().err
