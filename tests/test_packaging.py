"""The image and `make` install alike from one lock within pyproject's bounds; torch is only
for the tests' reference engine, pinned once, never in the image."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.paths import REPO

_TORCH_PIN = re.compile(r"torch==([\w.]+)")


def _locked() -> dict[str, str]:
    lines = (REPO / "requirements.lock").read_text(encoding="utf-8").splitlines()
    pins = [line.split("==") for line in lines if line and not line.startswith("#")]
    return {canonicalize_name(name): version for name, version in pins}


def test_the_image_has_no_torch_and_make_pins_the_locked_one() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    installs = re.findall(r"pip install[^\n]*", dockerfile)
    assert installs and not any("torch" in line or "[" in line for line in installs)
    assert [_locked()["torch"]] == _TORCH_PIN.findall(makefile)
    assert "-c requirements.lock" in dockerfile and "-c requirements.lock" in makefile


def test_the_product_needs_neither_torch_nor_sentence_transformers() -> None:
    """Not even through a dependency's dependencies (as installed here)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    waiting = [canonicalize_name(Requirement(line).name) for line in project["dependencies"]]
    needed: set[str] = set()
    while waiting:
        name = waiting.pop()
        if name in needed:
            continue
        needed.add(name)
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                waiting.append(canonicalize_name(requirement.name))
    assert not needed & {"torch", "sentence-transformers", "transformers"}


def test_every_declared_dependency_is_locked_within_its_bounds() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    locked = _locked()
    for line in declared:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements.lock: run make lock"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"requirements.lock has {name}=={locked[name]}, outside {requirement.specifier}"
        )


def test_image_runs_the_bot_as_a_user_with_a_healthcheck_and_a_volume() -> None:
    final_stage = (REPO / "Dockerfile").read_text(encoding="utf-8").split("\nFROM ")[-1]
    users = re.findall(r"^USER (\S+)", final_stage, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    assert 'CMD ["briefing-bot", "health"]' in final_stage
    assert re.search(r'^VOLUME \["/data"\]', final_stage, re.MULTILINE)
    assert "BRIEFING_INDEX_DIR=/data/index" in final_stage


def test_the_wheel_holds_every_module_of_the_packages(tmp_path: Path) -> None:
    """Built from what the image copies, as `pip install .` builds it, not as `-e` links it."""
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=_only_what_the_image_copies)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", tmp_path, source],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("briefing_bot-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        packaged = {name for name in archive.namelist() if name.endswith(".py")}
    modules = {
        path.relative_to(REPO).as_posix()
        for package in ("index", "bot")
        for path in (REPO / package).rglob("*.py")
    }
    assert modules - packaged == set()


_WHAT_THE_IMAGE_COPIES = {"pyproject.toml", "README.md", "index", "bot"}


def _only_what_the_image_copies(folder: str, names: list[str]) -> set[str]:
    if Path(folder) == REPO:
        return {name for name in names if name not in _WHAT_THE_IMAGE_COPIES}
    return {name for name in names if name == "__pycache__"}
