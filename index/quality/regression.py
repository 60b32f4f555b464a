"""The briefing's own regression suite: question sets in ``<seeds>/.eval/``, gated by a baseline.

Whoever curates the briefing knows which questions matter; they add them as JSON Lines files
beside the articles (``seeds/.eval/*.jsonl``, in the shape ``read_question_set`` reads).
``briefing-index eval`` scores every set and compares Recall@1 with ``baseline.json`` in the
same folder, recorded by ``--update-baseline`` for one model: a drop of more than the
baseline's tolerance in any set fails the command, and so CI.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from index.errors import BriefingError

EVAL_FOLDER = ".eval"
BASELINE_FILE = "baseline.json"
# One question of the 32 answerable ones in the seed set is 0.031: a drop of one question
# passes, of two fails.
DEFAULT_TOLERANCE = 0.04
GATED_MODES = ("hybrid", "answer")


@dataclass(frozen=True, slots=True)
class Baseline:
    """Recall@1 per question set and retriever, as recorded for one model."""

    model: str
    tolerance: float
    recall_at_1: dict[str, dict[str, float]]


@dataclass(frozen=True, slots=True)
class Regression:
    """A set and retriever whose Recall@1 fell below the baseline by more than the tolerance."""

    question_set: str
    mode: str
    baseline: float
    measured: float

    def __str__(self) -> str:
        return (
            f"{self.question_set}: {self.mode} Recall@1 {self.measured:.3f}, "
            f"baseline {self.baseline:.3f}"
        )


def eval_folder(seeds_dir: Path) -> Path:
    """Where the briefing keeps its question sets."""
    return seeds_dir / EVAL_FOLDER


def question_sets(folder: Path) -> list[Path]:
    """The ``*.jsonl`` question sets of ``folder``, by name.

    Raises:
        BriefingError: The folder holds no question set.
    """
    sets = sorted(folder.glob("*.jsonl"))
    if not sets:
        raise BriefingError(
            f"no question sets in {folder}: add JSON Lines files there, one question a line, "
            'e.g. {"question": "What did Lavrov say?", "gold": [{"source": '
            '"000_b99bc40499301570.txt", "paragraph": 6}]}'
        )
    return sets


def read_baseline(folder: Path) -> Baseline | None:
    """The recorded baseline of ``folder``; None when there is none yet.

    Raises:
        BriefingError: The baseline file is not what ``write_baseline`` writes.
    """
    path = folder / BASELINE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Baseline(
            str(data["model"]),
            float(data.get("tolerance", DEFAULT_TOLERANCE)),
            {
                name: {mode: float(value) for mode, value in modes.items()}
                for name, modes in data["recall@1"].items()
            },
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise BriefingError(
            f"{path} is not a baseline ({error}): rewrite it with "
            "`briefing-index eval --update-baseline`"
        ) from error


def write_baseline(folder: Path, baseline: Baseline) -> Path:
    """Records ``baseline`` in ``folder``; returns the file written."""
    path = folder / BASELINE_FILE
    data = {
        "model": baseline.model,
        "tolerance": baseline.tolerance,
        "recall@1": {
            name: {mode: round(value, 4) for mode, value in sorted(modes.items())}
            for name, modes in sorted(baseline.recall_at_1.items())
        },
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def find_regressions(baseline: Baseline, measured: dict[str, dict[str, float]]) -> list[Regression]:
    """Every gated set and retriever measured more than the tolerance below its baseline.

    Sets or retrievers the baseline does not know are not gated.
    """
    return [
        Regression(name, mode, recorded, measured[name][mode])
        for name, modes in sorted(baseline.recall_at_1.items())
        if name in measured
        for mode, recorded in sorted(modes.items())
        if mode in GATED_MODES
        and mode in measured[name]
        and measured[name][mode] < recorded - baseline.tolerance - 1e-9
    ]
