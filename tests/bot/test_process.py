"""`briefing-bot` as a process: it polls the stand-in, answers, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from index.build import build_index
from index.embedding.models import load_embedder
from tests.support.botapi import BotApiServer
from tests.support.paths import SEEDS

pytestmark = pytest.mark.slow

TOKEN = "987654321:AAFzyxwvutsrqponmlkjihgfedcba9876543"
MINILM = "sentence-transformers/all-MiniLM-L6-v2"


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    build_index(seeds, tmp_path / "index", load_embedder(MINILM))
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "BRIEFING_SEEDS_DIR": str(seeds),
        "BRIEFING_INDEX_DIR": str(tmp_path / "index"),
        "EMBEDDING_MODEL": MINILM,
        "LOG_LEVEL": "DEBUG",
    }


def test_bot_process_answers_and_stops_on_sigterm(environment: dict[str, str]) -> None:
    script = Path(sys.executable).with_name("briefing-bot")
    with BotApiServer(token=TOKEN) as server:
        environment["TELEGRAM_API_BASE_URL"] = server.base_url
        process = subprocess.Popen(
            [str(script)],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            server.wait_for("getUpdates", timeout=120)
            server.push_message(4242, "What did Zakharova say?", user_id=4242)
            sent: list[Any] = server.wait_for("sendMessage", timeout=60)
            assert "Zakharova said" in sent[0].params["text"]
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=15)
        finally:
            if process.poll() is None:
                process.kill()
            stdout, stderr = process.communicate(timeout=15)
    assert code == 0, stderr[-2000:]
    assert "Traceback" not in stderr
    assert TOKEN not in stdout + stderr and TOKEN.split(":")[1] not in stderr
    assert "<token>" in stderr  # DEBUG logs carried request URLs, redacted


def test_refused_token_is_one_line_without_traceback(tmp_path: Path) -> None:
    """A token the server refuses: a one-line error naming what to do, exit 1."""
    script = Path(sys.executable).with_name("briefing-bot")
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    build_index(seeds, tmp_path / "index", load_embedder(MINILM))
    with BotApiServer(token="111:AAAAAAAAAAAAAAAAAAAAAAAAAAAAA") as server:
        result = subprocess.run(
            [str(script)],
            env={
                **os.environ,
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": server.base_url,
                "BRIEFING_INDEX_DIR": str(tmp_path / "index"),
                "EMBEDDING_MODEL": MINILM,
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1
    assert "Telegram refused TELEGRAM_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr and TOKEN not in result.stderr
