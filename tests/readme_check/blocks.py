"""The ```console blocks of a Markdown file: found, normalised, rewritten."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PLACEHOLDER = "…"
DEFAULT_SETUP = "index"
_FENCE = "```console"
_SETUP = re.compile(r"^<!--\s*readme-check:\s*([\w-]+)\s*-->$")

# What changes from run to run, replaced by PLACEHOLDER on both sides before comparing. Dates
# alone (an article's 2018-05-26) stay: only a date with a time of day is a moment of the run.
_VOLATILE = (
    # 2026-12-03T06:07:31+00:00, 2026-12-03 06:07 UTC: when an index was built, a verdict given
    re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:\d{2}|Z)?"),
    # 10.5 s, 23.1 ms, 7.0 passages/s, 12.9 answers/s: measured durations and rates (a whole
    # number of seconds is a setting, "more than 60 s", unless it says how long ago: 75 s ago)
    re.compile(r"(?<![\w.])\d+\.\d+(?= ?(?:s|ms|min|passages/s|answers/s|q/s)(?![\w/]))"),
    re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?= s ago\b)"),
)


@dataclass(frozen=True, slots=True)
class Step:
    """One command of a block and what the documentation says it prints.

    Attributes:
        line: The line of its ``$ `` in the file, counted from 1.
        source: The command's lines as written (``$ `` and any ``\\`` continuations).
        command: The command as the shell reads it, continuations joined.
        expected: The lines shown after it, joined by newlines.
    """

    line: int
    source: tuple[str, ...]
    command: str
    expected: str


@dataclass(frozen=True, slots=True)
class Example:
    """A ```console block: where it is, the start it needs and its commands.

    Attributes:
        path: The Markdown file.
        line: The line of its opening fence, counted from 1.
        end: The line of its closing fence.
        setup: The work folder it starts from (a name in ``setups.SETUPS``).
        steps: Its commands, in order.
    """

    path: Path
    line: int
    end: int
    setup: str
    steps: tuple[Step, ...]

    @property
    def name(self) -> str:
        """``README.md:123``: where to look."""
        return f"{self.path.name}:{self.line}"


def find_examples(path: Path) -> list[Example]:
    """Every ```console block of ``path``, in order.

    Raises:
        ValueError: A block is not closed, or has text before its first command.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    examples = []
    row = 0
    while row < len(lines):
        if lines[row].strip() != _FENCE:
            row += 1
            continue
        end = next((r for r in range(row + 1, len(lines)) if lines[r].strip() == "```"), None)
        if end is None:
            raise ValueError(f"{path}:{row + 1}: the ```console block is not closed")
        steps = _steps(path, lines, row, end)
        examples.append(Example(path, row + 1, end + 1, _setup_before(lines, row), steps))
        row = end + 1
    return examples


def _setup_before(lines: Sequence[str], fence: int) -> str:
    found = _SETUP.match(lines[fence - 1].strip()) if fence > 0 else None
    return found.group(1) if found else DEFAULT_SETUP


def _steps(path: Path, lines: Sequence[str], fence: int, end: int) -> tuple[Step, ...]:
    steps: list[Step] = []
    row = fence + 1
    while row < end:
        if not lines[row].startswith("$ "):
            raise ValueError(f"{path}:{row + 1}: a ```console block starts with `$ command`")
        first = row
        while lines[row].endswith("\\") and row + 1 < end:
            row += 1
        source = tuple(lines[first : row + 1])
        command = "\n".join(source)[2:]
        row += 1
        output_start = row
        while row < end and not lines[row].startswith("$ "):
            row += 1
        expected = "\n".join(lines[output_start:row]).rstrip()
        steps.append(Step(first + 1, source, command, expected))
    return tuple(steps)


def normalise(text: str, workdir: Path | None = None) -> str:
    """``text`` with what changes from run to run replaced by ``…``, trailing blanks dropped."""
    if workdir is not None:
        for folder in {str(workdir.resolve()), str(workdir)}:
            text = text.replace(folder, PLACEHOLDER)
    for pattern in _VOLATILE:
        text = pattern.sub(PLACEHOLDER, text)
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines())


def rewrite(path: Path, printed: Mapping[int, Sequence[str]]) -> str:
    """The text of ``path`` with the outputs of the blocks named in ``printed`` replaced.

    Args:
        path: The Markdown file.
        printed: For the line of a block's fence, what each of its commands printed; a
            command whose output equals the documented one once normalised keeps the
            documented text, so a rerun does not churn timings.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    examples = {example.line: example for example in find_examples(path)}
    for fence in sorted(printed, reverse=True):
        example = examples[fence]
        body: list[str] = []
        for step, output in zip(example.steps, printed[fence], strict=True):
            body += step.source
            if normalise(output) == normalise(step.expected):
                output = step.expected
            body += output.rstrip().splitlines()
        lines[example.line : example.end - 1] = body
    return "\n".join(lines) + "\n"
