"""The service the bot answers through: warmed up at start, so the first user waits no longer."""

from __future__ import annotations

from pathlib import Path

from index.build import build_index
from index.config import IndexSettings
from index.service import WARM_UP_QUESTION, BriefingService
from tests.support.fakes import FakeEmbedder
from tests.support.paths import SEEDS


def test_warm_up_sends_one_question_through_the_whole_pipeline(tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    build_index(SEEDS, tmp_path / "index", embedder)
    service = BriefingService(IndexSettings(SEEDS, tmp_path / "index", embedder.name), embedder)
    embedder.query_calls.clear()
    service.warm_up()
    assert embedder.query_calls == [[WARM_UP_QUESTION]]
