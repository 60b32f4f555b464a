"""``briefing-bot``: the bot, and the same answers in a terminal."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bot.config import BotSettings
from bot.health import DEFAULT_MAX_AGE, polling_health, webhook_health
from bot.redaction import install_redaction
from bot.terminal import answer_json, answer_text, digest_json, digest_text
from index.answering.digest import make_digest, read_period
from index.cli import questions_from
from index.config import IndexSettings
from index.errors import ConfigError
from index.logs import configure_logging, run_command
from index.pipeline import open_pipeline, read_index
from index.retrieval.dating import Dating
from index.store.vectors.kinds import set_search_threads

CONNECT_TELEGRAM = """\
No TELEGRAM_BOT_TOKEN is set, so the bot is not connected to Telegram.
To connect it: open Telegram, talk to @BotFather, send /newbot, and copy the token it gives.
Then run:  TELEGRAM_BOT_TOKEN=123456:ABC... make run
Meanwhile, here is the terminal chat over the same briefing.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Runs ``briefing-bot``; returns the exit status."""
    return run_command("briefing-bot", lambda: _run(_parser().parse_args(argv)))


def _run(args: argparse.Namespace) -> int:
    bot_settings = BotSettings.from_env()
    settings = bot_settings.index
    configure_logging(settings.log_level)
    install_redaction()
    set_search_threads(1)  # questions are searched one by one: see set_search_threads
    if args.command == "health":
        return _health(bot_settings, args.max_age)
    if getattr(args, "index", None):
        settings = replace(settings, index_dir=args.index)
    if args.command == "ask":
        return _ask(settings, args.question, args.json)
    if args.command == "digest":
        return _digest(settings, args.period, args.json)
    if args.command is None and bot_settings.token:
        from bot.serve import run_bot  # telegram is imported only to run the bot

        return run_bot(bot_settings)
    if args.command is None:
        print(CONNECT_TELEGRAM, file=sys.stderr)
    return _chat(settings)


def _parser() -> argparse.ArgumentParser:
    # Not the module docstring: --help shows reStructuredText's ``quotes`` as they are.
    parser = argparse.ArgumentParser(
        prog="briefing-bot",
        description="briefing-bot: the bot, and the same answers in a terminal.",
    )
    commands = parser.add_subparsers(dest="command")
    ask = commands.add_parser("ask", help="answer a question (or one per line of standard input)")
    ask.add_argument("question", nargs="?", help="the question")
    ask.add_argument("--index", type=Path, help="index folder")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    digest = commands.add_parser(
        "digest", help="the briefing's stories of a period, each once, in its own words"
    )
    digest.add_argument(
        "period",
        nargs="?",
        default="week",
        help="today, week (the default: the 7 days up to the newest article), all, or a date "
        "(YYYY-MM-DD)",
    )
    digest.add_argument("--index", type=Path, help="index folder")
    digest.add_argument("--json", action="store_true", help="the digest as one JSON object")
    chat = commands.add_parser("chat", help="ask questions in the terminal")
    chat.add_argument("--index", type=Path, help="index folder")
    health = commands.add_parser(
        "health", help="exit 0 if the running bot is polling (or its webhook listens), else 1"
    )
    health.add_argument(
        "--max-age",
        type=float,
        default=DEFAULT_MAX_AGE,
        help="seconds since the last answered poll that still count as alive "
        f"(default {DEFAULT_MAX_AGE:.0f})",
    )
    return parser


def _health(settings: BotSettings, max_age: float) -> int:
    assert settings.health_file is not None, "from_env always names the health file"
    if settings.webhook_url:
        health = webhook_health(settings.webhook_port)
    else:
        health = polling_health(settings.health_file, max_age)
    print(f"briefing-bot: {health.message}", file=sys.stdout if health.alive else sys.stderr)
    return 0 if health.alive else 1


def _ask(settings: IndexSettings, question: str | None, as_json: bool) -> int:
    pipeline = open_pipeline(settings)
    for line in questions_from(question):
        answer = pipeline.answer(line)
        print(answer_json(answer) if as_json else answer_text(answer), flush=True)
    return 0


def _digest(settings: IndexSettings, asked: str, as_json: bool) -> int:
    index = read_index(settings, settings.embedding_model)  # no model: the vectors are stored
    period = read_period(asked, Dating(index).newest)
    if period is None:
        raise ConfigError(
            f"{asked!r} is not a period: use today, week, all or a date such as 2018-05-26"
        )
    digest = make_digest(index, period)
    print(digest_json(digest) if as_json else digest_text(digest), end="" if not as_json else "\n")
    return 0


def _chat(settings: IndexSettings) -> int:
    pipeline = open_pipeline(settings)
    interactive = sys.stdin.isatty()
    if interactive:
        print("Ask a question about the briefing, in any language (Ctrl-D to leave).")
    while True:
        if interactive:
            print("? ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            return 0
        if line.strip():
            print(answer_text(pipeline.answer(line.strip())), flush=True)
