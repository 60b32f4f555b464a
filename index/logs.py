"""Logging and standard output set-up shared by the command-line tools and the bot."""

from __future__ import annotations

import ctypes
import logging
import os
import select
import signal
import sys
from collections.abc import Callable

from index.errors import BriefingError

# Libraries that are chatty at INFO about things a user of this tool does not act on.
_QUIET_LIBRARIES = (
    "sentence_transformers",
    "bm25s",
    "transformers",
    "huggingface_hub",
    "httpx",
    "httpcore",
    "faiss",
    "filelock",
    "urllib3",
)


class _StandardErrorHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record comes, not the stream it was when
    logging was set up: one that has since been swapped or closed is never written to."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _: object) -> None:
        pass


def configure_logging(level: str) -> None:
    """Logs to standard error at ``level``; third-party libraries log warnings and worse."""
    logging.basicConfig(
        level=level,
        format="%(levelname)s %(name)s: %(message)s",
        handlers=[_StandardErrorHandler()],
        force=True,
    )
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def run_command(program: str, command: Callable[[], int]) -> int:
    """Runs ``command`` of the command-line tool ``program`` and returns its exit status: an
    expected failure is one line on standard error (status 1), Ctrl-C is 130, a reader gone
    away (``… | head -1``) ends it quietly, and nothing of these ends in a traceback."""
    limit_malloc_arenas()
    try:
        try:
            return command()
        finally:
            sys.stdout.flush()  # a reader gone shows here, not as Python exits
    except BriefingError as error:
        print(f"{program}: error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError as error:
        return reader_gone(error)
    except KeyboardInterrupt:
        return 130


# glibc's mallopt parameter for the number of arenas (malloc.h).
_M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Caps glibc's malloc at ``arenas`` arenas, unless ``MALLOC_ARENA_MAX`` says otherwise.

    glibc gives threads that allocate at once arenas of their own, up to 8 per core, and
    memory freed in one is not returned to the others: the bot's event loop, its worker
    threads and ONNX Runtime's held 334 MB under bursts of 50 questions, 258 MB with two
    arenas (``python -m tests.load.loadtest --real-model``), at the same answers per second.
    Returns whether the cap was set (not on other C libraries).
    """
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_ARENA_MAX, arenas))
    except (OSError, AttributeError):  # musl, macOS: no such call
        return False


# A command whose reader went away ends as Unix tools do, killed by SIGPIPE: 128 + 13.
READER_GONE = 128 + signal.SIGPIPE


def reader_gone(error: BrokenPipeError) -> int:
    """Ends a command quietly whose standard output (or error) was closed by its reader
    (``… | head -1``): the rest of its output goes nowhere, and no traceback is printed.
    A broken pipe elsewhere (a vector database's socket) is no such end: it is raised again."""
    gone = [stream for stream in (sys.stdout, sys.stderr) if _closed_by_reader(stream)]
    if not gone:
        raise error
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in gone:
        os.dup2(devnull, stream.fileno())
    os.close(devnull)
    return READER_GONE


def _closed_by_reader(stream: object) -> bool:
    """Whether ``stream`` is a pipe or socket whose other end is closed."""
    try:
        descriptor = stream.fileno()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False
    poll = select.poll()
    poll.register(descriptor, select.POLLOUT)
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poll.poll(0))
