"""``briefing-bot``: the bot, and the same answers in a terminal."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from index.cli import hits_text
from index.config import IndexSettings
from index.embedding import load_embedder
from index.errors import BriefingError
from index.logs import configure_logging
from index.search import Searcher
from index.store import load_index

CONNECT_TELEGRAM = """\
No TELEGRAM_BOT_TOKEN is set, so the bot is not connected to Telegram.
To connect it: open Telegram, talk to @BotFather, send /newbot, and copy the token it gives.
Then run:  TELEGRAM_BOT_TOKEN=123456:ABC... make run
Meanwhile, here is the terminal chat over the same briefing (Ctrl-D to leave).
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Runs ``briefing-bot``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="briefing-bot", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("chat", help="ask questions in the terminal")
    args = parser.parse_args(argv)
    try:
        settings = IndexSettings.from_env()
        configure_logging(settings.log_level)
        if args.command is None and not os.environ.get("TELEGRAM_BOT_TOKEN", "").strip():
            print(CONNECT_TELEGRAM, file=sys.stderr)
        elif args.command is None:
            print(
                "briefing-bot: the Telegram front end is not in this version yet; "
                "use `briefing-bot chat`",
                file=sys.stderr,
            )
            return 2
        return _chat(settings)
    except BriefingError as error:
        print(f"briefing-bot: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _chat(settings: IndexSettings) -> int:
    index = load_index(settings.index_dir, expected_model=settings.embedding_model)
    searcher = Searcher(index, load_embedder(settings.embedding_model))
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            print("? ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            return 0
        if line.strip():
            print(hits_text(line.strip(), searcher.search(line.strip(), k=3)), flush=True)
