from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.fakes import FakeEmbedder

os.environ["HF_HUB_OFFLINE"] = "1"

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
LAVROV_SOURCE = "000_b99bc40499301570.txt"


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    """A private copy of the repository's seed articles."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "var" / "index"


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()
