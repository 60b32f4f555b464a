"""What the command-line tools print for ``--help``, for each command and subcommand."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from contextlib import redirect_stdout

import pytest


def _help(main: Callable[[list[str]], int], args: list[str]) -> str:
    """What ``--help`` prints for ``args``."""
    with pytest.raises(SystemExit) as exited, redirect_stdout(io.StringIO()) as out:
        main([*args, "--help"])
    assert exited.value.code == 0
    return out.getvalue()


def help_texts(main: Callable[[list[str]], int]) -> dict[str, str]:
    """The ``--help`` text of a command and of each of its subcommands, by subcommand."""
    top = _help(main, [])
    listed = re.search(r"\{([\w,-]+)\}", top)
    assert listed, top
    return {"": top} | {name: _help(main, [name]) for name in listed[1].split(",")}
