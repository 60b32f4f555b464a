"""The house's floors (docs/design.md): every import runs down the stages, never back up."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# The groups from the bottom up: a module may import its own group and those before it.
FLOORS = (
    "index.errors",
    "index.cache",
    "index.records",
    "index.logs",
    "index.articles",
    "index.embedding",
    "index.store",
    "index.build",
    "index.config",
    "index.retrieval",
    "index.answering",
    "index.feedback",
    "index.follows",
    "index.pipeline",
    "index.service",
    "index.quality",
    "index.cli",
    "index",  # the package's face: the names other code may import
    "bot",
)


def _floor(module: str) -> int:
    """The position in ``FLOORS`` of the group ``module`` belongs to."""
    return max(
        position
        for position, group in enumerate(FLOORS)
        # "index" is the package's face (its __init__), not a prefix of every module in it
        if module == group or (group != "index" and module.startswith(f"{group}."))
    )


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted([*REPO.glob("index/**/*.py"), *REPO.glob("bot/**/*.py")]):
        parts = path.relative_to(REPO).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.split(".")[0] in ("index", "bot", "telegram")}


@pytest.mark.parametrize("module", sorted(_modules()))
def test_imports_run_down_the_floors(module: str) -> None:
    for imported in _imported(_modules()[module]):
        if imported.startswith("telegram"):
            assert module.startswith("bot"), f"{module} imports telegram: only bot/ may"
            continue
        assert _floor(imported) <= _floor(module), f"{module} imports {imported}, a floor up"
