"""The work folders the documented commands run in, and the check of one block."""

from __future__ import annotations

import difflib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from index.feedback import CitedPassage, Feedback, FeedbackStore, feedback_path
from tests.readme_check.blocks import PLACEHOLDER, Example, normalise
from tests.readme_check.runners import REPO, Runner

SEEDS = REPO / "seeds"
# An English version of the French seed article's first two paragraphs, written for the
# example of one story told in two languages (docs/answers.md).
LONDON_EN = REPO / "tests/data/readme/002_london_en.txt"
# One small article of each format the briefing reads (README, "Adding articles").
FORMATS = REPO / "docs/examples/formats"
INDEX = Path("var/index")
HEALTH_FILE = Path("var/briefing-bot.alive")  # BRIEFING_HEALTH_FILE's default


def prepare_template(runner: Runner, root: Path) -> Path:
    """A folder holding a copy of the seeds and their index at ``var/index``, built by the
    documented command; every block's work folder is copied from it.

    Raises:
        RuntimeError: The build failed; its output says why.
    """
    template = root / "template"
    shutil.copytree(SEEDS, template / "seeds")
    printed = runner.run("briefing-index build", template)
    if not (template / INDEX / "manifest.json").is_file():
        raise RuntimeError(f"`briefing-index build` of the seeds failed:\n{printed}")
    return template


def _index(runner: Runner, workdir: Path) -> None:
    """The seeds and their index (the template as it is)."""


def _fresh(runner: Runner, workdir: Path) -> None:
    """The seeds alone: no index has been built yet."""
    shutil.rmtree(workdir / "var")


def _feedback(runner: Runner, workdir: Path) -> None:
    """A reader pressed 👎 under the answer to "What did Zakharova say?" (chat and user 1002)."""
    printed = runner.run('briefing-bot ask --json "What did Zakharova say?"', workdir)
    answer = json.loads(printed.splitlines()[-1])
    passages = tuple(
        CitedPassage(c["source"], c["paragraph"], c["text"]) for c in answer["citations"]
    )
    verdict = Feedback(
        at=datetime.now(UTC),
        chat_id=1002,
        user_id=1002,
        answer_key="1002:2",
        question=answer["question"],
        verdict="down",
        answer=answer["answer"],
        passages=passages,
    )
    FeedbackStore(feedback_path(workdir / INDEX)).record(verdict)


def _story(runner: Runner, workdir: Path) -> None:
    """The seeds and LONDON_EN, which tells the French article's story in English, indexed."""
    shutil.copy(LONDON_EN, workdir / "seeds")
    printed = runner.run("briefing-index build", workdir)
    if "Built var/index" not in printed:
        raise RuntimeError(f"`briefing-index build` with {LONDON_EN.name} failed:\n{printed}")


def _alive(runner: Runner, workdir: Path) -> None:
    """A bot is running: its heartbeat file was touched a moment ago."""
    (workdir / HEALTH_FILE).touch()


# The names a block may ask for with <!-- readme-check: NAME --> before its fence.
def _formats(runner: Runner, workdir: Path) -> None:
    """The seeds, their index, and a copy of FORMATS (one article of each format) where the
    repository keeps it."""
    shutil.copytree(FORMATS, workdir / FORMATS.relative_to(REPO))


SETUPS: dict[str, Callable[[Runner, Path], None]] = {
    "index": _index,
    "fresh": _fresh,
    "feedback": _feedback,
    "story": _story,
    "alive": _alive,
    "formats": _formats,
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a block's commands printed, against what the documentation shows.

    Attributes:
        example: The block.
        printed: What each command printed, the work folder's path replaced by ``…``.
        skipped: Why the block was not run (the runner cannot run one of its commands).
        seconds: How long its set-up and commands took.
    """

    example: Example
    printed: tuple[str, ...] = ()
    skipped: str | None = None
    seconds: float = 0.0

    @property
    def diff(self) -> str:
        """A unified diff per command whose output differs once normalised; empty if none."""
        if self.skipped:
            return ""
        chunks = []
        for step, printed in zip(self.example.steps, self.printed, strict=True):
            documented, now = normalise(step.expected), normalise(printed)
            if documented != now:
                lines = difflib.unified_diff(
                    documented.splitlines(),
                    now.splitlines(),
                    f"{self.example.path.name}:{step.line}: $ {step.command}",
                    "printed now",
                    lineterm="",
                )
                chunks.append("\n".join(lines))
        return "\n".join(chunks)


def check_example(example: Example, runner: Runner, template: Path, workdir: Path) -> Outcome:
    """Runs ``example`` in ``workdir`` (made from ``template`` and the block's set-up).

    Raises:
        ValueError: The block names a set-up that does not exist.
    """
    if example.setup not in SETUPS:
        raise ValueError(
            f"{example.name}: no set-up {example.setup!r}: use one of {', '.join(SETUPS)}"
        )
    for step in example.steps:
        if reason := runner.cannot_run(step.command):
            return Outcome(example, skipped=f"$ {step.command}: {reason}")
    started = time.monotonic()
    shutil.copytree(template, workdir)
    SETUPS[example.setup](runner, workdir)
    printed = tuple(
        runner.run(step.command, workdir).replace(str(workdir), PLACEHOLDER)
        for step in example.steps
    )
    return Outcome(example, printed, seconds=time.monotonic() - started)
