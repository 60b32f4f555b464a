"""The bot as a process of its own, as the load test runs it, and the handle that runs it.

``python -m tests.load.botprocess`` is `briefing-bot` polling: the same Application and settings
from the environment, with the deterministic fake embedder unless ``--real-model``; on SIGUSR1
it appends its memory to ``--stats``; on SIGTERM it stops as `briefing-bot` does (PTB's
``run_polling``). ``BotProcess`` starts one against a Bot API stand-in.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from telegram import Update

from bot.app import build_application
from bot.config import BotSettings
from bot.redaction import install_redaction
from index.embedding.models import Vectors
from index.logs import configure_logging, limit_malloc_arenas
from index.service import BriefingService
from index.store.vectors.kinds import set_search_threads
from tests.support.fakes import FakeEmbedder


class UnrecordedFakeEmbedder(FakeEmbedder):
    """``FakeEmbedder`` that does not record questions: a record of 10,000 would be a leak."""

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._vectors(texts)


def read_status(pid: int | str = "self") -> dict[str, int]:
    """The ``Vm*`` lines of ``/proc/<pid>/status``, in kB (VmRSS now, VmHWM its peak)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name.startswith("Vm"):
            fields[name] = int(value.split()[0])
    return fields


def memory_stats(application: Any, service: BriefingService) -> dict[str, Any]:
    """What the process holds now: RSS, peak RSS, live objects, traced Python memory, caches."""
    gc.collect()
    status = read_status()
    traced, traced_peak = tracemalloc.get_traced_memory() if tracemalloc.is_tracing() else (0, 0)
    try:
        tasks = len(asyncio.all_tasks())
    except RuntimeError:  # no running loop: not started yet, or stopping
        tasks = -1
    return {
        "vm_rss_kb": status["VmRSS"],
        "vm_hwm_kb": status["VmHWM"],
        "gc_objects": len(gc.get_objects()),
        "traced_kb": traced // 1024,
        "traced_peak_kb": traced_peak // 1024,
        "remembered": len(application.bot_data.answers),
        "batches": service.batcher.batches,
        "tasks": tasks,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the bot until SIGTERM; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tests.load.botprocess")
    parser.add_argument("--real-model", action="store_true", help="EMBEDDING_MODEL, not the fake")
    parser.add_argument("--stats", type=Path, required=True, help="file SIGUSR1 appends to")
    parser.add_argument("--tracemalloc", action="store_true", help="trace Python allocations")
    args = parser.parse_args(argv)
    if args.tracemalloc:
        tracemalloc.start()
    settings = BotSettings.from_env()
    limit_malloc_arenas()  # as `briefing-bot` does (index.logs.run_command)
    configure_logging(settings.index.log_level)
    install_redaction()
    set_search_threads(1)  # as briefing-bot: questions are searched one by one
    service = BriefingService(settings.index, None if args.real_model else UnrecordedFakeEmbedder())
    application = build_application(settings, service)

    def write_stats(signum: int, frame: FrameType | None) -> None:
        line = json.dumps(memory_stats(application, service))
        with args.stats.open("a", encoding="utf-8") as out:
            out.write(line + "\n")

    signal.signal(signal.SIGUSR1, write_stats)
    application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


class BotProcess:
    """A bot process polling the stand-in at ``base_url``; a context manager that stops it."""

    def __init__(
        self,
        base_url: str,
        token: str,
        index_dir: Path,
        workdir: Path,
        *,
        model: str,
        real_model: bool = False,
        trace: bool = False,
    ) -> None:
        self.stats_file = workdir / f"stats-{time.monotonic_ns()}.jsonl"
        self.log_file = self.stats_file.with_suffix(".log")
        command = [sys.executable, "-m", "tests.load.botprocess", "--stats", str(self.stats_file)]
        command += ["--real-model"] * real_model + ["--tracemalloc"] * trace
        environment = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": token,
            "TELEGRAM_API_BASE_URL": base_url,
            "BRIEFING_INDEX_DIR": str(index_dir),
            "BRIEFING_HEALTH_FILE": str(workdir / "alive"),
            "EMBEDDING_MODEL": model,
            "LOG_LEVEL": "WARNING",
            "HF_HUB_OFFLINE": "1",
        }
        with self.log_file.open("w") as log:
            self._process = subprocess.Popen(
                command, env=environment, stdout=log, stderr=subprocess.STDOUT, cwd=_REPO
            )

    @property
    def pid(self) -> int:
        return self._process.pid

    def stats(self, timeout: float = 30.0) -> dict[str, Any]:
        """The process's memory now (see ``memory_stats``)."""
        before = self._stats_lines()
        os.kill(self.pid, signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while len(lines := self._stats_lines()) <= len(before):
            if time.monotonic() > deadline or self._process.poll() is not None:
                raise TimeoutError(f"no memory stats from the bot process; see {self.log_file}")
            time.sleep(0.05)
        return dict(json.loads(lines[-1]))

    def peak_kb(self) -> int:
        """VmHWM: the most resident memory the process has had."""
        return read_status(self.pid)["VmHWM"]

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, as a supervisor stops the bot; killed if it is not gone by ``timeout``."""
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout)
        return self._process.returncode

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")

    def __enter__(self) -> BotProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _stats_lines(self) -> list[str]:
        try:
            text = self.stats_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return text.split("\n")[:-1]  # whole lines only: the last one may be half written


_REPO = Path(__file__).resolve().parents[2]

if __name__ == "__main__":
    raise SystemExit(main())
