"""Every command that prints ends quietly when its reader goes away (``… | head -1``), with
the status of a Unix tool killed by SIGPIPE, and no traceback."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli as bot_cli
from index import cli as index_cli
from index.logs import READER_GONE
from tests.index.test_cli_feedback import _press

_RUN = "import sys; from {module} import main; sys.exit(main())"


def _reader_gone_away() -> tuple[int, int]:
    """A pipe whose reading end is closed already: the first write to it fails."""
    read, write = os.pipe()
    os.close(read)
    return read, write


def test_feedback_json_ends_quietly_when_its_reader_is_gone(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    for minutes in range(3):
        _press(index_dir, "down", f"Question {minutes}?", minutes)
    _, write = _reader_gone_away()
    env = {**os.environ, "BRIEFING_INDEX_DIR": str(index_dir)}
    done = subprocess.run(
        [sys.executable, "-c", _RUN.format(module="index.cli"), "feedback", "--json"],
        stdout=write,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        timeout=120,
        check=False,
    )
    os.close(write)
    assert (done.returncode, done.stderr) == (READER_GONE, "")


def test_help_ends_quietly_when_its_reader_is_gone() -> None:
    _, write = _reader_gone_away()
    done = subprocess.run(
        [sys.executable, "-c", _RUN.format(module="bot.cli"), "--help"],
        stdout=write,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )
    os.close(write)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr


@pytest.fixture
def built(fake_env: Path) -> None:
    assert index_cli.main(["build"]) == 0


@pytest.mark.parametrize(
    ("main", "argv"),
    [
        (index_cli.main, ["search", "--json"]),
        (index_cli.main, ["search"]),
        (index_cli.main, ["info"]),
        (bot_cli.main, ["ask"]),
        (bot_cli.main, ["ask", "--json"]),
        (bot_cli.main, ["chat"]),
    ],
)
def test_printing_commands_end_quietly_when_their_reader_is_gone(
    built: None,
    main: object,
    argv: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("What did Lavrov say?\nWho is Titov?\n"))
    _, write = _reader_gone_away()
    with open(write, "w", encoding="utf-8") as stream, monkeypatch.context() as swapped:
        swapped.setattr("sys.stdout", stream)
        status = main(argv)  # type: ignore[operator]
    assert status == READER_GONE
    assert "Traceback" not in capsys.readouterr().err
