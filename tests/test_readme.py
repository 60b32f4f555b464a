"""The documentation shows what its commands print (tests/readme_check), and the checker works.

The examples run in this process with the real model loaded once; blocks that need a shell
(a pipe into another program) are left to ``make readme-check``.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from index.embedding.models import load_embedder
from tests.readme_check import (
    SETUPS,
    Example,
    InProcessRunner,
    check_example,
    find_examples,
    normalise,
    prepare_template,
    rewrite,
)
from tests.readme_check.__main__ import documentation
from tests.readme_check.runners import REPO
from tests.support.fakes import FakeEmbedder

EXAMPLES = [example for path in documentation() for example in find_examples(path)]


@pytest.fixture(scope="module")
def real_runner() -> InProcessRunner:
    return InProcessRunner(functools.cache(load_embedder))


@pytest.fixture(scope="module")
def real_template(real_runner: InProcessRunner, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_template(real_runner, tmp_path_factory.mktemp("readme"))


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.name)
def test_documented_commands_print_what_the_documentation_shows(
    example: Example, real_runner: InProcessRunner, real_template: Path, tmp_path: Path
) -> None:
    outcome = check_example(example, real_runner, real_template, tmp_path / "work")
    if outcome.skipped:
        pytest.skip(f"make readme-check runs it: {outcome.skipped}")
    assert not outcome.diff, (
        "the documentation no longer shows what the command prints; if the new output is "
        f"right, run `python -m tests.readme_check --update`:\n{outcome.diff}"
    )


def test_the_documentation_has_examples_and_only_known_set_ups() -> None:
    assert any(example.path.name == "README.md" for example in EXAMPLES)
    assert all(example.steps and example.setup in SETUPS for example in EXAMPLES)


BLOCKS = """\
Text.

```console
$ briefing-index build
Built var/index: 2 articles, 12 passages; embedded 12, reused 0; 1.7 s, 7.0 passages/s
$ briefing-index search \\
    "What did Lavrov say?"
Q: What did Lavrov say?
```

```sh
make run
```

<!-- readme-check: fresh -->
```console
$ briefing-bot health; echo $?
briefing-bot: polling: the last poll was answered 3.2 s ago
0
```
"""


def test_blocks_are_found_with_their_commands_outputs_and_set_ups(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text(BLOCKS, encoding="utf-8")
    first, second = find_examples(path)
    assert (first.line, first.end, first.setup) == (3, 9, "index")
    assert [step.command for step in first.steps] == [
        "briefing-index build",
        'briefing-index search \\\n    "What did Lavrov say?"',
    ]
    assert first.steps[0].expected.startswith("Built var/index") and first.steps[1].line == 6
    assert second.setup == "fresh"
    assert second.steps[0].expected.splitlines()[1] == "0"


def test_normalising_hides_what_changes_from_run_to_run_and_nothing_else(tmp_path: Path) -> None:
    assert normalise("Built var/index: 12 passages; 10.5 s, 1.1 passages/s") == (
        "Built var/index: 12 passages; … s, … passages/s"
    )
    assert normalise("Built       2026-12-03T06:07:31+00:00 in 10.4 s (format 3)") == (
        "Built       … in … s (format 3)"
    )
    assert normalise("👎 2026-12-01 22:24 UTC · chat 1002") == "👎 … UTC · chat 1002"
    assert normalise("was 75 s ago (more than 60 s)") == "was … s ago (more than 60 s)"
    assert normalise("p50 23.1 ms  ") == "p50 … ms"
    kept = "[2] L’ambassade…, 2018-05-26, paragraph 2 · 0.864 · 12 passages · 3 s"
    assert normalise(kept) == kept
    assert normalise(f"no heartbeat at {tmp_path}/var/x\n\n", tmp_path) == "no heartbeat at …/var/x"


def test_update_rewrites_the_outputs_that_differ_and_keeps_equivalent_ones(
    tmp_path: Path,
) -> None:
    path = tmp_path / "doc.md"
    path.write_text(BLOCKS, encoding="utf-8")
    printed = {
        3: (
            "Built var/index: 2 articles, 12 passages; embedded 12, reused 0; 9.9 s, 1.2"
            " passages/s",
            "Q: What did Lavrov say?\n 1. 0.864  Moscow\n",
        )
    }
    text = rewrite(path, printed)
    assert "1.7 s, 7.0 passages/s" in text  # the same once normalised: left as documented
    assert "Q: What did Lavrov say?\n 1. 0.864  Moscow\n```\n\n```sh" in text
    assert text.count("```console") == 2 and text.endswith("0\n```\n")


def test_the_in_process_runner_runs_console_scripts_and_leaves_shell_work_to_bash(
    tmp_path: Path,
) -> None:
    runner = InProcessRunner(lambda name, *_: FakeEmbedder(name=name))
    assert runner.cannot_run("briefing-index info | head -3")
    assert runner.cannot_run("briefing-index info > out.txt")
    assert runner.cannot_run("ls seeds")
    assert runner.cannot_run("printf 'hello\\n' | EMBEDDING_MODEL=x briefing-bot chat") is None
    template = prepare_template(runner, tmp_path)
    assert "12 passages" in runner.run("briefing-index build --full", template)
    printed = runner.run("LOG_LEVEL=loud briefing-index info; echo $?", template)
    assert printed.startswith("briefing-index: error: LOG_LEVEL='loud'")
    assert printed.endswith("\n1\n")


def test_the_readme_documents_every_setting_the_configuration_reads() -> None:
    """Each variable ``index/config.py`` and ``bot/config.py`` read is a row of the table."""
    read = set()
    for module in ("index/config.py", "bot/config.py"):
        source = (REPO / module).read_text(encoding="utf-8")
        read |= set(re.findall(r"""(?:get\(|_ids\(env, )"([A-Z][A-Z_]+)"\)""", source))
    documented = set(
        re.findall(r"^\| `([A-Z][A-Z_]+)` \|", (REPO / "README.md").read_text(), re.MULTILINE)
    )
    assert len(read) >= 15 and read <= documented, sorted(read - documented)


def _anchors(path: Path) -> set[str]:
    """GitHub's anchors of the headings of ``path``: lower case, punctuation dropped, spaces
    to hyphens."""
    headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_the_documentation_links_to_files_and_headings_that_exist() -> None:
    broken = []
    for page in documentation():
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"^[a-z]+://", target):
                continue
            file, _, anchor = target.partition("#")
            linked = (page.parent / file).resolve() if file else page
            if not linked.exists() or (anchor and anchor not in _anchors(linked)):
                broken.append(f"{page.name}: {target}")
    assert not broken
