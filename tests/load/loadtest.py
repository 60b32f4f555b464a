"""Load on the bot through the Bot API stand-in: is every question answered exactly once, how
long does an answer take, and does memory keep growing?

``make loadtest`` runs ``python -m tests.load.loadtest``: questions from many chats in bursts
against a bot process (``tests.load.botprocess``), then a long stream of questions with the
process's memory at checkpoints (``tests.load.memory``). Replies are counted by
``tests.load.driver``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from index.build import build_index
from index.embedding.models import DEFAULT_MODEL, load_embedder
from tests.load.botprocess import BotProcess, UnrecordedFakeEmbedder
from tests.load.driver import (
    Delivery,
    Ledger,
    ask_in_a_row,
    ask_in_bursts,
    percentile,
    wait_answered,
)
from tests.load.memory import MemoryPoint, memory_table, memory_verdict
from tests.support.botapi import BotApiServer

TOKEN = "424242424:AAHload-test-token-for-the-stand-in-0123"
FAKE_MODEL = "fake-hashing-256"
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def prepare_index(workdir: Path, real_model: bool, model: str) -> Path:
    """The seed articles indexed with the fake embedder, or with ``model``."""
    seeds, index_dir = workdir / "seeds", workdir / "index"
    shutil.copytree(SEEDS, seeds)
    if real_model:
        build_index(seeds, index_dir, load_embedder(model))
    else:
        build_index(seeds, index_dir, UnrecordedFakeEmbedder())
    return index_dir


def describe_delivery(delivery: Delivery) -> str:
    verdict = "exactly once" if delivery.exactly_once else "NOT exactly once"
    return (
        f"{delivery.asked} asked, {delivery.answered_once} answered once, {delivery.lost} lost, "
        f"{delivery.duplicated} duplicated, {delivery.apologised} apologies, "
        f"{delivery.stray} stray: {verdict}"
    )


async def bursts_phase(args: argparse.Namespace, workdir: Path, index_dir: Path) -> bool:
    """Questions in bursts: exactly once, time to answer, peak memory."""
    print(
        f"bursts: {args.questions} questions from {args.chats} chats, "
        f"{args.burst} at a time every {args.gap:g} s"
    )
    with BotApiServer(token=TOKEN) as server:
        ledger = Ledger(server)
        with running_bot(server, index_dir, workdir, **_bot_options(args)) as bot:
            started = time.monotonic()
            await ask_in_bursts(ledger, args.questions, args.chats, args.burst, args.gap)
            await wait_answered(ledger, args.questions, timeout=args.timeout)
            elapsed = time.monotonic() - started
            await asyncio.sleep(1.0)  # a late second reply would show up now
            delivery, peak = ledger.delivery(), bot.peak_kb()
            code = bot.stop()
    latencies = delivery.latencies
    print(f"  delivery: {describe_delivery(delivery)}")
    print(
        f"  time to answer: p50 {percentile(latencies, 0.5):.2f} s, "
        f"p95 {percentile(latencies, 0.95):.2f} s, max {max(latencies, default=0):.2f} s"
    )
    print(
        f"  {len(latencies) / elapsed:.1f} answers/s over {elapsed:.1f} s; peak memory of the "
        f"bot process (VmHWM) {peak / 1024:.1f} MB; exit status after SIGTERM {code}"
    )
    return delivery.exactly_once and code == 0


async def stream_phase(args: argparse.Namespace, workdir: Path, index_dir: Path) -> bool:
    """Questions in a row: memory at checkpoints, and whether it keeps growing."""
    checkpoints = sorted({max(1, round(args.stream * f)) for f in (0.1, 0.25, 0.5, 0.75, 1.0)})
    print(
        f"stream: {args.stream} questions in a row from {args.chats} chats, "
        f"{args.window} unanswered at most; the bot process traces its allocations"
    )
    points: list[MemoryPoint] = []
    with BotApiServer(token=TOKEN) as server:
        ledger = Ledger(server)
        with running_bot(server, index_dir, workdir, trace=True, **_bot_options(args)) as bot:

            async def checkpoint(answered: int) -> None:
                points.append(MemoryPoint.of(answered, bot.stats()))

            await ask_in_a_row(
                ledger, args.stream, args.chats, args.window, checkpoints, checkpoint, args.timeout
            )
            await asyncio.sleep(1.0)
            delivery = ledger.delivery()
    print(f"  delivery: {describe_delivery(delivery)}")
    print(memory_table(points))
    verdict, growing = memory_verdict(points)
    print(f"  verdict: {verdict}")
    return delivery.exactly_once and not growing


@contextlib.contextmanager
def running_bot(
    server: BotApiServer,
    index_dir: Path,
    workdir: Path,
    *,
    model: str = FAKE_MODEL,
    real_model: bool = False,
    trace: bool = False,
    start_timeout: float = 60.0,
) -> Iterator[BotProcess]:
    """A bot process polling ``server``; stopped (SIGTERM) on leaving."""
    process = BotProcess(
        server.base_url,
        TOKEN,
        index_dir,
        workdir,
        model=model,
        real_model=real_model,
        trace=trace,
    )
    try:
        try:
            server.wait_for("getUpdates", timeout=start_timeout, answered=False)
        except TimeoutError:
            raise RuntimeError(f"the bot process did not poll:\n{process.log()}") from None
        yield process
    finally:
        process.stop()


def _bot_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "model": args.model,
        "real_model": args.real_model,
        "start_timeout": args.start_timeout,
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.load.loadtest", description=__doc__)
    add = parser.add_argument
    add("--questions", type=int, default=1000, help="questions in bursts (default 1000)")
    add("--chats", type=int, default=100, help="chats they come from (default 100)")
    add("--burst", type=int, default=100, help="questions per burst (default 100)")
    add("--gap", type=float, default=8.0, help="seconds between bursts (default 8)")
    add("--stream", type=int, default=10_000, help="questions in a row (default 10000; 0: none)")
    add("--window", type=int, default=20, help="unanswered questions at most in the stream")
    add("--real-model", action="store_true", help="embed with EMBEDDING_MODEL, not the fake")
    add("--model", default=None, help=f"the real model (default {DEFAULT_MODEL})")
    add("--timeout", type=float, default=1800.0, help="seconds a phase may take at most")
    add("--start-timeout", type=float, default=180.0, help="seconds for the bot to start")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the load test; exit status 1 if a question was not answered exactly once or memory
    keeps growing."""
    args = _parser().parse_args(argv)
    if args.real_model:
        args.model = args.model or os.environ.get("EMBEDDING_MODEL") or DEFAULT_MODEL
    else:
        args.model = FAKE_MODEL
    embedder = (
        f"real model {args.model}"
        if args.real_model
        else "the deterministic fake embedder (tests/support/fakes.py; --real-model: the real one)"
    )
    print(f"briefing-bot under load, against the Bot API stand-in on 127.0.0.1, with {embedder}")
    with tempfile.TemporaryDirectory(prefix="loadtest-") as folder:
        workdir = Path(folder)
        index_dir = prepare_index(workdir, args.real_model, args.model)
        ok = asyncio.run(bursts_phase(args, workdir, index_dir)) if args.questions else True
        if args.stream:
            ok = asyncio.run(stream_phase(args, workdir, index_dir)) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
