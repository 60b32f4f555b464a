from __future__ import annotations

import io
import json
import os
import pty
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from index import cli as index_cli
from index import pipeline
from tests.conftest import LAVROV_SOURCE
from tests.support.cli_help import help_texts
from tests.support.fakes import FakeEmbedder
from tests.support.paths import REPO


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch, seeds_dir: Path, index_dir: Path) -> Path:
    monkeypatch.setenv("BRIEFING_SEEDS_DIR", str(seeds_dir))
    monkeypatch.setenv("BRIEFING_INDEX_DIR", str(index_dir))
    monkeypatch.setenv("EMBEDDING_MODEL", "fake-hashing-256")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setattr(index_cli, "load_embedder", lambda name, *_: FakeEmbedder(name=name))
    monkeypatch.setattr(pipeline, "load_embedder", lambda name, *_: FakeEmbedder(name=name))
    assert index_cli.main(["build"]) == 0
    return seeds_dir


def test_ask_json_shape(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert cli.main(["ask", "What did Zakharova say?", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert set(answer) == {"question", "found", "answer", "citations", "confidence"}
    assert answer["found"] is True and "[1]" in answer["answer"]
    signals = answer["confidence"]
    assert set(signals) == {
        "best", "lift", "anchors", "found", "score", "threshold", "introduces", "tells_day",
        "answered",
    }  # fmt: skip
    assert signals["answered"] is True and signals["anchors"] == 1  # the name Zakharova
    assert signals["score"] >= signals["threshold"]
    assert signals["best"] >= citation_score(answer) - 1e-3  # the best of all passages
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
        "page",
        "link",
        "also_in",
    }
    assert citation["page"] is None and citation["link"] is None  # text files have neither
    assert citation["also_in"] == []  # the two seed articles tell different stories
    assert citation["n"] == 1 and citation["source"] == LAVROV_SOURCE and citation["paragraph"] == 6
    text = (built / citation["source"]).read_text(encoding="utf-8")
    assert text[citation["start"] : citation["end"]] == citation["text"]


def citation_score(answer: dict[str, object]) -> float:
    citations = answer["citations"]
    assert isinstance(citations, list)
    return max(float(c["score"]) for c in citations)


def test_ask_json_says_null_confidence_for_small_talk(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert cli.main(["ask", "hello", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["confidence"] is None and answer["citations"] == []


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


class _Terminal(io.StringIO):
    """Standard input typed at a terminal."""

    def isatty(self) -> bool:
        return True


def test_no_token_on_a_terminal_says_how_to_leave_once(
    built: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", _Terminal("What did Zakharova say?\n"))
    assert cli.main([]) == 0
    captured = capsys.readouterr()
    assert "@BotFather" in captured.err and "Zakharova said" in captured.out
    assert (captured.err + captured.out).count("Ctrl-D to leave") == 1


def test_ctrl_c_in_the_chat_exits_130_without_a_traceback(built: Path) -> None:
    """The chat as a process at a terminal (a pty), interrupted as Ctrl-C does, by SIGINT."""
    child = (
        "import sys; from bot import cli; from tests.support.fakes import FakeEmbedder; "
        "import index.pipeline as s; s.load_embedder = lambda name, *_: FakeEmbedder(name=name); "
        "sys.exit(cli.main(['chat']))"
    )
    terminal, typed_at = pty.openpty()
    chat = subprocess.Popen(
        [sys.executable, "-c", child],
        cwd=REPO,
        stdin=typed_at,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # Ctrl-C reaches a program at a terminal; a test run in the background (``make test &``,
        # some CI runners) ignores SIGINT, and a child would inherit that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    os.close(typed_at)
    try:
        assert chat.stdout is not None
        assert chat.stdout.readline().startswith(b"Ask a question")
        assert chat.stdout.read(2) == b"? "  # waiting for a question
        chat.send_signal(signal.SIGINT)
        _, stderr = chat.communicate(timeout=30)
    finally:
        os.close(terminal)
        if chat.poll() is None:
            chat.kill()
    assert chat.returncode == 130
    assert b"Traceback" not in stderr and b"KeyboardInterrupt" not in stderr, stderr


def test_missing_index_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BRIEFING_INDEX_DIR", str(tmp_path / "none"))
    assert cli.main(["ask", "anything"]) == 1
    assert "briefing-index build" in capsys.readouterr().err


def test_help_texts_are_plain_text() -> None:
    texts = help_texts(cli.main)
    assert set(texts) == {"", "ask", "digest", "chat", "health"}
    for name, text in texts.items():
        assert "`" not in text, f"briefing-bot {name} --help:\n{text}"
    assert "briefing-bot: the bot, and the same answers in a terminal." in texts[""]
