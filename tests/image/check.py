"""`make image-check`: the built image answers, polls the Bot API, is healthy and stops cleanly.

``python -m tests.image.check --image briefing-bot`` (after ``make image``) checks, in order:

1. the image's size, its user (10001) and its HEALTHCHECK (``briefing-bot health``);
2. ``briefing-bot ask "What did Lavrov say?"`` in a container with no network: an answer with
   a citation and its source;
3. the bot itself (the image's CMD) with ``--network host`` against the tests' Bot API
   stand-in on 127.0.0.1: one message in, an answer with a citation out; the time from
   ``run`` to that answer; ``briefing-bot health`` (the HEALTHCHECK) passing in the running
   container, which runs as uid 10001; then SIGTERM (``stop``) and exit status 0, with no
   traceback and no token in its log.

Only the standard library and ``tests.support.botapi`` (stdlib only), so any Python 3.11 runs it.
Every wait is bounded; the first failure ends the check with one line and exit status 1.
The engine and its extra flags come from CONTAINER_ENGINE and CONTAINER_FLAGS, else from
``tests/image/engine.sh`` (as ``make image`` picks them).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.support.botapi import BotApiServer

TOKEN = "987654321:AAFzyxwvutsrqponmlkjihgfedcba9876543"
CHAT_ID = 4242
ASK = "What did Lavrov say?"
ASK_EXPECTS = "Lavrov said"
MESSAGE = "What did Zakharova say?"
MESSAGE_EXPECTS = "Zakharova said"
USER_ID = "10001"
HEALTH_TEST = ["CMD", "briefing-bot", "health"]
_ENGINE_SH = Path(__file__).with_name("engine.sh")


class CheckFailed(Exception):
    """One check failed; the message is the one-line reason."""


class Engine:
    """docker or podman, with the extra flags this host needs for ``build`` and ``run``."""

    def __init__(self, name: str, global_flags: Sequence[str], flags: Sequence[str]) -> None:
        self.name, self.global_flags, self.flags = name, list(global_flags), list(flags)

    @classmethod
    def from_env(cls) -> Engine:
        def setting(variable: str, argument: str) -> str:
            value = os.environ.get(variable)
            return _engine_sh(argument) if value is None else value

        name = os.environ.get("CONTAINER_ENGINE") or _engine_sh()
        os.environ["CONTAINER_ENGINE"] = name  # engine.sh answers for this engine
        return cls(
            name,
            shlex.split(setting("CONTAINER_GLOBAL_FLAGS", "global")),
            shlex.split(setting("CONTAINER_FLAGS", "flags")),
        )

    def __call__(
        self, *args: str, timeout: float = 60.0, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        command = [self.name, *self.global_flags, *args]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise CheckFailed(f"`{_show(command)}` took more than {timeout:.0f} s") from None
        if check and result.returncode != 0:
            raise CheckFailed(
                f"`{_show(command)}` exited {result.returncode}: {_last_line(result.stderr)}"
            )
        return result


def check_image(engine: Engine, image: str) -> None:
    (info,) = json.loads(engine("image", "inspect", image).stdout)
    size = int(info["Size"])
    print(f"image {image}: {size / 1e6:,.0f} MB ({size:,} bytes, `{engine.name} image inspect`)")
    config = info.get("Config") or {}
    user = config.get("User", "")
    if user.split(":")[0] != USER_ID:
        raise CheckFailed(f"the image runs as user {user!r}, not {USER_ID}")
    healthcheck = config.get("Healthcheck") or info.get("Healthcheck") or {}
    if healthcheck.get("Test") != HEALTH_TEST:
        raise CheckFailed(
            f"the image's HEALTHCHECK is {healthcheck.get('Test')!r}, not {HEALTH_TEST!r} "
            "(podman keeps it only with `build --format docker`)"
        )
    print(f"image user {user}, HEALTHCHECK {' '.join(HEALTH_TEST[1:])}")


def check_ask(engine: Engine, image: str, timeout: float) -> None:
    start = time.monotonic()
    result = engine(
        "run", "--rm", *engine.flags, "--network", "none", image,
        "briefing-bot", "ask", ASK,
        timeout=timeout,
    )  # fmt: skip
    took = time.monotonic() - start
    answer = result.stdout
    if ASK_EXPECTS not in answer or "[1]" not in answer or "\nSources:\n[1] " not in answer:
        raise CheckFailed(f"`briefing-bot ask {ASK!r}` gave no cited answer: {answer[:300]!r}")
    print(f"ask {ASK!r}: a cited answer in {took:.1f} s (a new container, no network)")
    print("  " + answer.strip().splitlines()[0])


def check_bot(engine: Engine, image: str, timeout: float) -> None:
    name = f"briefing-image-check-{os.getpid()}"
    with BotApiServer(token=TOKEN) as server:
        start = time.monotonic()
        engine(
            "run", "--detach", "--name", name, *engine.flags, "--network", "host",
            "--env", f"TELEGRAM_BOT_TOKEN={TOKEN}",
            "--env", f"TELEGRAM_API_BASE_URL={server.base_url}",
            image,
        )  # fmt: skip
        try:
            _check_running_bot(engine, server, name, start, timeout)
        finally:
            engine("rm", "--force", "--volumes", name, check=False)


def _check_running_bot(
    engine: Engine, server: BotApiServer, name: str, start: float, timeout: float
) -> None:
    try:
        server.wait_for("getUpdates", timeout=timeout)
    except TimeoutError:
        raise CheckFailed(
            f"the bot did not poll the stand-in within {timeout:.0f} s: {_logs(engine, name)}"
        ) from None
    polling = time.monotonic() - start
    asked = time.monotonic()
    server.push_message(CHAT_ID, MESSAGE, user_id=CHAT_ID)
    try:
        sent = server.wait_for(_sent_to(CHAT_ID), timeout=timeout)
    except TimeoutError:
        raise CheckFailed(
            f"no answer to {MESSAGE!r} within {timeout:.0f} s: {_logs(engine, name)}"
        ) from None
    answered = time.monotonic()
    text = str(sent[0].params.get("text", ""))
    if MESSAGE_EXPECTS not in text or "[1]" not in text:
        raise CheckFailed(f"the bot's answer to {MESSAGE!r} has no citation: {text[:300]!r}")
    print(
        f"bot: polling {polling:.1f} s after `{engine.name} run`, first answer "
        f"{answered - start:.1f} s after it ({answered - asked:.2f} s after the message)"
    )
    print("  " + text.splitlines()[0])

    uid = engine("exec", name, "id", "-u").stdout.strip()
    if uid != USER_ID:
        raise CheckFailed(f"the bot runs as uid {uid}, not {USER_ID}")
    health = engine("exec", name, "briefing-bot", "health", check=False)
    if health.returncode != 0:
        raise CheckFailed(f"`briefing-bot health` in the container failed: {health.stderr!r}")
    if engine.name == "podman":  # runs the image's own HEALTHCHECK command
        engine("healthcheck", "run", name)
    print(f"health: `briefing-bot health` passes ({health.stdout.strip()}); uid {uid}")

    stopping = time.monotonic()
    engine("stop", "--time", "30", name, timeout=60)
    state = engine("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip()
    log = _logs(engine, name, lines=None)
    if state != "0":
        raise CheckFailed(f"the bot exited {state} on SIGTERM: {_last_line(log)}")
    if "Traceback" in log:
        raise CheckFailed(f"the bot's log has a traceback: {_last_line(log)}")
    if TOKEN in log or TOKEN.split(":")[1] in log:
        raise CheckFailed("the bot's log shows its token")
    print(f"SIGTERM: exit status 0 in {time.monotonic() - stopping:.1f} s, no traceback, no token")


def _sent_to(chat_id: int) -> Any:
    def match(call: Any) -> bool:
        return bool(
            call.method == "sendMessage"
            and str(call.params.get("chat_id")) == str(chat_id)
            and call.status == 200
        )

    return match


def _logs(engine: Engine, name: str, lines: int | None = 5) -> str:
    result = engine("logs", name, check=False)
    text = (result.stdout + result.stderr).strip()
    return text if lines is None else " | ".join(text.splitlines()[-lines:])


def _engine_sh(*args: str) -> str:
    return subprocess.run(
        ["bash", str(_ENGINE_SH), *args], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()


def _show(command: Sequence[str]) -> str:
    return " ".join(shlex.quote(part) for part in command)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.image.check", description=__doc__)
    parser.add_argument("--image", default="briefing-bot", help="the image (default %(default)s)")
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="seconds each step may take (%(default)s)"
    )
    args = parser.parse_args(argv)
    try:
        engine = Engine.from_env()
        check_image(engine, args.image)
        check_ask(engine, args.image, args.timeout)
        check_bot(engine, args.image, args.timeout)
    except CheckFailed as failure:
        print(f"image-check: FAILED: {failure}", file=sys.stderr)
        return 1
    except (OSError, subprocess.SubprocessError) as error:
        print(f"image-check: FAILED: {error}", file=sys.stderr)
        return 1
    print("image-check: passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
