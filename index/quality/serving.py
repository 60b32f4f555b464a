"""The serving process as users run it: ``briefing-bot ask`` started, timed and weighed.

Each figure is read from a process of its own (``VmHWM`` and ``VmRSS`` in ``/proc``), so the
bench's own memory does not count: a child inherits its parent's pages across fork and exec,
and the rusage of children would include them.
"""

from __future__ import annotations

import itertools
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

_DEADLINE = 600.0


@dataclass(frozen=True, slots=True)
class AskFigures:
    """One-question ``briefing-bot ask``: the first run in the bench (cold: the files it reads
    may not be in the page cache) and the median of the next (warm)."""

    cold_seconds: float
    cold_peak_mib: float
    warm_seconds: float
    warm_peak_mib: float


@dataclass(frozen=True, slots=True)
class ServingFigures:
    """A serving process answering ``questions`` in a row: resident memory after the first
    answer (loaded and warm, idle), after the last, and its peak."""

    questions: int
    idle_mib: float
    after_mib: float
    peak_mib: float


def _command() -> str | None:
    return shutil.which("briefing-bot", path=str(Path(sys.executable).parent))


def _environment(index_dir: Path, model: str) -> dict[str, str]:
    return {**os.environ, "EMBEDDING_MODEL": model, "BRIEFING_INDEX_DIR": str(index_dir)}


def _status_kib(pid: int, field: str) -> int:
    """``VmHWM`` or ``VmRSS`` of a process, in KiB; 0 once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def ask_once(index_dir: Path, model: str, question: str) -> tuple[float, float] | None:
    """Wall seconds and peak MiB of one ``briefing-bot ask``; None if it could not run."""
    command = _command()
    if command is None:
        return None
    peak_kib = 0
    started = time.perf_counter()
    with subprocess.Popen(
        [command, "ask", question],
        env=_environment(index_dir, model),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as child:
        deadline = time.monotonic() + _DEADLINE
        while child.poll() is None and time.monotonic() < deadline:
            peak_kib = max(peak_kib, _status_kib(child.pid, "VmHWM"))
            time.sleep(0.005)
        if child.poll() is None:
            child.kill()
        returncode = child.wait()
    elapsed = time.perf_counter() - started
    return (elapsed, peak_kib / 1024) if returncode == 0 and peak_kib else None


def measure_ask(
    index_dir: Path, model: str, question: str, warm_runs: int = 3
) -> AskFigures | None:
    """The first ``ask`` of the bench, then the median of ``warm_runs`` more."""
    runs = [ask_once(index_dir, model, question) for _ in range(1 + warm_runs)]
    if any(run is None for run in runs):
        return None
    (cold_s, cold_mib), *warm = [run for run in runs if run is not None]
    return AskFigures(
        round(cold_s, 3),
        round(cold_mib, 1),
        round(statistics.median(s for s, _ in warm), 3),
        round(statistics.median(m for _, m in warm), 1),
    )


def measure_serving(
    index_dir: Path, model: str, questions: Sequence[str], count: int = 1000
) -> ServingFigures | None:
    """One ``briefing-bot ask --json`` process answering ``count`` questions from standard
    input (the seed questions over and over), weighed after the first answer and the last."""
    command = _command()
    if command is None:
        return None
    asked = list(itertools.islice(itertools.cycle(questions), count))
    with subprocess.Popen(
        [command, "ask", "--json"],
        env=_environment(index_dir, model),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as child:
        figures = _weigh(child, asked)
        assert child.stdin is not None
        child.stdin.close()
        returncode = child.wait(timeout=_DEADLINE)
    return figures if returncode == 0 else None


def _weigh(child: subprocess.Popen[str], asked: Sequence[str]) -> ServingFigures | None:
    """Asks ``child`` the questions, weighing it after the first answer and after the last."""
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(asked[0] + "\n")
    child.stdin.flush()
    if not child.stdout.readline().strip():
        return None
    idle = _status_kib(child.pid, "VmRSS")
    # The rest written from a thread while this one reads: neither pipe fills up.
    threading.Thread(target=_write, args=(child.stdin, asked[1:]), daemon=True).start()
    answered = 1 + sum(1 for _ in itertools.islice(child.stdout, len(asked) - 1))
    after, peak = _status_kib(child.pid, "VmRSS"), _status_kib(child.pid, "VmHWM")
    if answered != len(asked):
        return None
    return ServingFigures(len(asked), _mib(idle), _mib(after), _mib(peak))


def _mib(kib: int) -> float:
    return round(kib / 1024, 1)


def _write(stream: IO[str], lines: Sequence[str]) -> None:
    try:
        for line in lines:
            stream.write(line + "\n")
        stream.flush()
    except (BrokenPipeError, ValueError):  # the child stopped early: the reader reports it
        pass
