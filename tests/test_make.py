"""`make run` as a user meets it: Ctrl-C ends the bot, and make does not call that an error."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")

# Stands in for briefing-bot: waits for Ctrl-C and exits as it does (130), or exits with $STATUS.
_BOT = f"""#!{sys.executable}
import os, sys, time
if "STATUS" in os.environ:
    sys.exit(int(os.environ["STATUS"]))
try:
    print("ready", flush=True)
    time.sleep(60)
except KeyboardInterrupt:
    sys.exit(130)
"""


def _make_run(tmp_path: Path, **env: str) -> subprocess.Popen[str]:
    """``make run`` with a venv of stand-ins, in its own process group as in a terminal."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for name, text in (("briefing-bot", _BOT), ("briefing-index", "#!/bin/sh\nexit 0\n")):
        (venv / "bin" / name).write_text(text, encoding="utf-8")
        (venv / "bin" / name).chmod(0o755)
    (venv / ".installed-run").touch()  # installed: make does not run pip
    return subprocess.Popen(
        ["make", "--no-print-directory", "-C", str(REPO), "run", f"VENV={venv}"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def test_ctrl_c_ends_make_run_without_an_error(tmp_path: Path) -> None:
    make = _make_run(tmp_path)
    try:
        assert make.stdout is not None
        assert make.stdout.readline() == "ready\n"
        os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
        output = make.stdout.read()
        status = make.wait(timeout=30)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
    assert "Error" not in output and "***" not in output, output
    assert status in (0, -signal.SIGINT)  # make itself ends by the signal, silently


def test_make_run_still_fails_when_the_bot_fails(tmp_path: Path) -> None:
    make = _make_run(tmp_path, STATUS="1")
    output, _ = make.communicate(timeout=30)
    assert make.returncode != 0
    assert "Error 1" in output
