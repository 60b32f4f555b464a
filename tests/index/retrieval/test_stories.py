from __future__ import annotations

from pathlib import Path

import pytest

from index.build import build_index
from index.retrieval.stories import alignment, calibrate, find_versions
from index.store.folder import StoredIndex, load_index
from tests.support.fakes import FakeEmbedder

STORY = (
    "Sergei Lavrov met Boris Johnson in Moscow on 22 December 2017. He proposed "
    "consultations on cyber security between the two ministries and their experts."
)


def _index(tmp_path: Path, articles: dict[str, str]) -> StoredIndex:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name, body in articles.items():
        (seeds / name).write_text(f"{name}\n\n{body}\n", encoding="utf-8")
    build_index(seeds, tmp_path / "index", FakeEmbedder())
    return load_index(tmp_path / "index")


def _first(index: StoredIndex, source: str) -> int:
    return next(p.id for p in index.passages if p.source == source)


def test_a_story_told_twice_is_found_once_per_other_article(tmp_path: Path) -> None:
    index = _index(
        tmp_path,
        {
            "wire.txt": STORY,
            "agency.txt": STORY.replace("proposed", "offered") + " Johnson did not answer.",
            "topic.txt": "Cyber security consultations between the two ministries were proposed "
            "again in 2019. The experts did not meet.",
            "other.txt": "The weather in Paris was mild all week. It rained on Sunday.",
        },
    )
    wire = _first(index, "wire.txt")
    versions = find_versions(index, [wire], floor=0.6, gap=0.05)[wire]
    assert [hit.article.source for hit in versions] == ["agency.txt"]
    assert versions[0].score == pytest.approx(alignment(index, wire, _first(index, "agency.txt")))
    assert alignment(index, wire, wire) == pytest.approx(1.0, abs=1e-5)  # a float32 dot product
    assert alignment(index, wire, _first(index, "topic.txt")) < versions[0].score
    assert find_versions(index, [wire], floor=0.999)[wire] == []


def test_a_version_must_stand_clear_of_the_next_passage_in_its_language(tmp_path: Path) -> None:
    twin = STORY + " Johnson did not answer."
    index = _index(tmp_path, {"wire.txt": STORY, "a.txt": twin, "b.txt": twin + " Really."})
    wire = _first(index, "wire.txt")
    assert find_versions(index, [wire], floor=0.6, gap=0.3)[wire] == []
    assert len(find_versions(index, [wire], floor=0.6, gap=0.0)[wire]) == 1


def test_calibration_counts_versions_against_the_gold(tmp_path: Path) -> None:
    index = _index(tmp_path, {"a.txt": STORY, "b.txt": STORY + " More."})
    rows = calibrate(index, lambda a, b: True, floors=(0.5, 0.999), gaps=(0.0,))
    assert [(r.floor, r.precision, r.recall) for r in rows] == [(0.5, 1.0, 1.0), (0.999, 1.0, 0.0)]
