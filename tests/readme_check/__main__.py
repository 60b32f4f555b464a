"""``python -m tests.readme_check [--update] [--fast] [FILE ...]``: see the package docstring."""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from index.embedding.models import load_embedder
from tests.readme_check.blocks import find_examples, rewrite
from tests.readme_check.runners import REPO, InProcessRunner, Runner, SubprocessRunner
from tests.readme_check.setups import Outcome, check_example, prepare_template


def documentation() -> list[Path]:
    """The files whose blocks are checked: README.md and every docs/*.md."""
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def main(argv: Sequence[str] | None = None) -> int:
    """Checks (or with ``--update`` rewrites) the blocks; 1 when one differs, else 0."""
    parser = argparse.ArgumentParser(prog="python -m tests.readme_check", description=__doc__)
    parser.add_argument("files", nargs="*", type=Path, help="Markdown files (default: all)")
    parser.add_argument(
        "--update", action="store_true", help="write what the commands print into the blocks"
    )
    parser.add_argument(
        "--fast",
        action="store_true",
        help="run the commands in this process, the model loaded once (blocks needing a "
        "shell are skipped)",
    )
    args = parser.parse_args(argv)
    runner: Runner = (
        InProcessRunner(functools.cache(load_embedder)) if args.fast else SubprocessRunner()
    )
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="readme-check-") as root:
        template = prepare_template(runner, Path(root))
        examples = [e for path in args.files or documentation() for e in find_examples(path)]
        outcomes = []
        for n, example in enumerate(examples, 1):
            print(f"running {example.name} …", file=sys.stderr, flush=True)
            outcomes.append(check_example(example, runner, template, Path(root) / f"block-{n}"))
    differing = [outcome for outcome in outcomes if outcome.diff]
    for outcome in outcomes:
        _report(outcome, args.update)
    if args.update:
        _write(differing)
    skipped = sum(1 for outcome in outcomes if outcome.skipped)
    print(
        f"{len(outcomes)} blocks: {len(outcomes) - len(differing) - skipped} as documented, "
        f"{len(differing)} {'updated' if args.update else 'differ'}, {skipped} skipped; "
        f"{time.monotonic() - started:.0f} s"
    )
    return 1 if differing and not args.update else 0


def _report(outcome: Outcome, updating: bool) -> None:
    name = outcome.example.name
    if outcome.skipped:
        print(f"skipped {name}: {outcome.skipped}")
    elif outcome.diff:
        print(f"{'updated' if updating else 'DIFFERS'} {name} ({outcome.seconds:.1f} s)")
        print(outcome.diff)
    else:
        print(f"ok      {name} ({outcome.seconds:.1f} s)")


def _write(differing: list[Outcome]) -> None:
    for path in {outcome.example.path for outcome in differing}:
        printed = {o.example.line: o.printed for o in differing if o.example.path == path}
        path.write_text(rewrite(path, printed), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
