"""Reading files in a process of their own, for a process that must stay small and standing.

The bot reads the files it is sent, and rebuilds, inside the process that answers. The readers'
libraries (trafilatura, pypdf, python-docx, feedparser) take some 90 MB once imported, and a
parser meeting a hostile file may crash or swallow memory; in a spawned process they cost the
bot nothing after it exits, and a crash costs one read, not the bot. The command line reads in
its own process: it exits anyway.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import ParamSpec, TypeVar

from index.errors import SeedsError

P = ParamSpec("P")
R = TypeVar("R")


def run_apart(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``function(*args, **kwargs)`` in a new Python process (spawned, not forked: the caller
    runs threads); its exceptions are raised here.

    Raises:
        SeedsError: The process died (killed for memory, a reader crashed).
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        try:
            return pool.submit(function, *args, **kwargs).result()
        except BrokenProcessPool:
            raise SeedsError(
                "the process reading the articles died (out of memory, or a file that crashes "
                "its reader): look for a new or very large file in the seeds folder"
            ) from None
