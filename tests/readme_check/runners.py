"""Two ways to run a documented command in a work folder and get what it prints."""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import os
import re
import shlex
import subprocess
import sys
import tomllib
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from index.embedding import models as embedding
from index.embedding.models import Embedder, Engine

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_SECONDS = 600
# The project's own settings: a block starts without them, whatever the caller's shell holds.
_PROJECT_VARIABLE = re.compile(
    r"^(BRIEFING_\w+|EMBEDDING_MODEL|LOG_LEVEL|QDRANT_URL|TELEGRAM_\w+|ALLOWED_\w+"
    r"|ADMIN_USER_IDS|WEBHOOK_\w+)$"
)
_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
_PRODUCERS = ("printf", "echo")
_SHELL_OPERATOR = set("();<>|&")


class Runner(Protocol):
    """Runs one documented command in a work folder."""

    def cannot_run(self, command: str) -> str | None:
        """Why this runner cannot run ``command``; None when it can."""
        ...

    def run(self, command: str, workdir: Path) -> str:
        """What ``command`` prints (standard output and error together), run in ``workdir``."""
        ...


def command_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` without the project's settings, offline, unbuffered, 80 columns wide."""
    env = {name: value for name, value in environ.items() if not _PROJECT_VARIABLE.match(name)}
    env.update(HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1", COLUMNS="80")
    return env


class SubprocessRunner:
    """Runs each command with bash, the console scripts of this virtual environment first on
    ``PATH``, standard input empty: what a user typing it sees (``make readme-check``)."""

    def cannot_run(self, command: str) -> str | None:
        return None

    def run(self, command: str, workdir: Path) -> str:
        env = command_environment(os.environ)
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=TIMEOUT_SECONDS,
            encoding="utf-8",
            errors="replace",
        )
        return done.stdout


@dataclass(frozen=True, slots=True)
class _Parsed:
    """A command the in-process runner understands: ``[printf … |] [NAME=value …] program
    arguments [; echo $?]``."""

    program: str
    argv: list[str]
    assignments: dict[str, str]
    producer: str | None
    echo_status: bool


class InProcessRunner:
    """Runs the project's console scripts as functions in this process, every model loaded
    through ``load_embedder`` (one cached loader: the model loads once for all blocks).
    Commands needing more of a shell than ``_Parsed`` describes are left to bash."""

    def __init__(self, load_embedder: Callable[[str, Engine], Embedder]) -> None:
        self._load_embedder = load_embedder
        scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
        self._scripts: dict[str, str] = scripts["project"]["scripts"]

    def cannot_run(self, command: str) -> str | None:
        try:
            self._parse(command)
        except ValueError as error:
            return str(error)
        return None

    def run(self, command: str, workdir: Path) -> str:
        parsed = self._parse(command)
        stdin = ""
        if parsed.producer is not None:
            stdin = subprocess.run(
                ["bash", "-c", parsed.producer], capture_output=True, text=True, check=True
            ).stdout
        module, function = self._scripts[parsed.program].split(":")
        main = getattr(importlib.import_module(module), function)
        out = io.StringIO()
        with (
            contextlib.chdir(workdir),
            _environment(parsed.assignments),
            _standard_streams(stdin, out),
            _root_logger_kept(),
            _embedder_loader(self._load_embedder),
        ):
            status = _call(main, parsed.argv, out)
        return out.getvalue() + (f"{status}\n" if parsed.echo_status else "")

    def _parse(self, command: str) -> _Parsed:
        lexer = shlex.shlex(command.replace("\\\n", " "), posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)
        producer = None
        if "|" in tokens and tokens[0] in _PRODUCERS:
            bar = tokens.index("|")
            producer = shlex.join(tokens[:bar])
            tokens = tokens[bar + 1 :]
        echo_status = tokens[-3:] == [";", "echo", "$?"]
        if echo_status:
            tokens = tokens[:-3]
        assignments = {}
        while tokens and _ASSIGNMENT.match(tokens[0]):
            name, value = tokens.pop(0).split("=", 1)
            assignments[name] = value
        if not tokens or tokens[0] not in self._scripts:
            raise ValueError(f"not one of the console scripts {sorted(self._scripts)}")
        if any(set(token) <= _SHELL_OPERATOR for token in tokens):
            raise ValueError("needs a shell (a pipe to another command, a redirection, …)")
        return _Parsed(tokens[0], tokens[1:], assignments, producer, echo_status)


def _call(main: Callable[[list[str]], int], argv: list[str], out: io.StringIO) -> int:
    """The exit status of ``main(argv)``; an exception is printed as Python would."""
    try:
        return main(argv)
    except SystemExit as exit_:
        if isinstance(exit_.code, str):
            print(exit_.code, file=out)
            return 1
        return exit_.code or 0
    except Exception:
        traceback.print_exc(file=out)
        return 1


@contextlib.contextmanager
def _environment(assignments: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({**command_environment(saved), **assignments})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _standard_streams(stdin: str, out: io.StringIO) -> Iterator[None]:
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, out
    try:
        yield
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved


@contextlib.contextmanager
def _root_logger_kept() -> Iterator[None]:
    """Puts back the root logger's level, handlers and their filters (the commands set their
    own up, and the bot adds a redacting filter to every handler)."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    filters = {handler: list(handler.filters) for handler in handlers}
    try:
        yield
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
            handler.filters[:] = filters[handler]
        root.setLevel(level)


@contextlib.contextmanager
def _embedder_loader(load: Callable[[str, Engine], Embedder]) -> Iterator[None]:
    """Every module of the project that holds ``models.load_embedder`` holds ``load`` for
    the while, so no command loads a model of its own."""
    original = embedding.load_embedder
    holders = [
        module
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in ("index", "bot")
        and getattr(module, "load_embedder", None) is original
    ]
    for module in holders:
        module.load_embedder = load  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module in holders:
            module.load_embedder = original  # type: ignore[attr-defined]
