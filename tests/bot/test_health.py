"""`briefing-bot health`: alive while the Bot API answers the bot's polls, not when it stops."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.health import polling_health, webhook_health
from index.config import IndexSettings
from tests.support.botapi import BotApiServer
from tests.support.harness import start_bot, stop_bot, wait_for

SCRIPT = Path(sys.executable).with_name("briefing-bot")


def _age_it(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


@pytest.mark.asyncio
async def test_heartbeat_follows_the_polls_and_goes_with_the_bot(
    server: BotApiServer, index_settings: IndexSettings, tmp_path: Path
) -> None:
    heartbeat = tmp_path / "run" / "briefing-bot.alive"
    assert not polling_health(heartbeat).alive
    application = await start_bot(server, index_settings, health_file=heartbeat)
    try:
        polls = len(await wait_for(server, "getUpdates", count=2))
        assert polling_health(heartbeat).alive
        _age_it(heartbeat, 120)
        await wait_for(server, "getUpdates", count=polls + 2)
        assert polling_health(heartbeat).alive, "an answered poll refreshes the heartbeat"

        server.fail_next("getUpdates", 500, count=1000)
        # The poll in flight may still be answered; the one after it fails.
        polls = len(await wait_for(server, "getUpdates", count=len(server.calls("getUpdates")) + 2))
        _age_it(heartbeat, 120)
        await wait_for(server, "getUpdates", count=polls + 1, timeout=20)
        health = polling_health(heartbeat, max_age=60)
        assert not health.alive, "polls that fail must not count as alive"
        assert "cannot reach the Bot API" in health.message
    finally:
        await stop_bot(application)
    assert not heartbeat.exists()
    assert "not running" in polling_health(heartbeat).message


@pytest.mark.parametrize(("age", "code"), [(1, 0), (600, 1), (None, 1)])
def test_health_command_exit_status(tmp_path: Path, age: float | None, code: int) -> None:
    heartbeat = tmp_path / "briefing-bot.alive"
    if age is not None:
        heartbeat.touch()
        _age_it(heartbeat, age)
    result = subprocess.run(
        [str(SCRIPT), "health"],
        env={**os.environ, "BRIEFING_HEALTH_FILE": str(heartbeat), "TELEGRAM_BOT_TOKEN": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == code, result.stderr
    assert result.stdout.startswith("briefing-bot: polling") == (code == 0)
    assert "Traceback" not in result.stderr


def test_webhook_health_is_whether_the_port_listens() -> None:
    with BotApiServer() as listening:
        assert webhook_health(listening.port).alive
    assert not webhook_health(listening.port, timeout=1).alive
