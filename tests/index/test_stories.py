from __future__ import annotations

from pathlib import Path

from index.build import build_index
from index.store import load_index
from index.stories import anchors, calibrate, find_versions
from tests.fakes import FakeEmbedder

STORY = (
    "Sergei Lavrov met Boris Johnson in Moscow on 22 December 2017 and proposed "
    "consultations on cyber security between the two ministries and their experts."
)


def test_anchors_survive_translation_and_transliteration() -> None:
    english = anchors("Lavrov said on 22 December that 300 sites were hit.")
    assert english.shared_with(anchors("Лавров заявил, что пострадали сайты."))
    assert english.shared_with(anchors("Le 22 décembre, le ministre a parlé."))
    assert not english.shared_with(anchors("The minister spoke about the weather."))


def _index(tmp_path: Path, articles: dict[str, str]) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name, body in articles.items():
        (seeds / name).write_text(f"{name}\n\n{body}\n", encoding="utf-8")
    build_index(seeds, tmp_path / "index", FakeEmbedder())
    return tmp_path / "index"


def test_a_story_told_twice_is_found_once_per_other_article(tmp_path: Path) -> None:
    folder = _index(
        tmp_path,
        {
            "wire.txt": STORY,
            "agency.txt": STORY.replace("proposed", "offered") + " Johnson did not answer.",
            "topic.txt": "Cyber security consultations between the two ministries and their "
            "experts were proposed again in 2019, without a meeting.",
            "other.txt": "The weather in Paris was mild all week, with rain on Sunday.",
        },
    )
    index = load_index(folder)
    wire = next(p.id for p in index.passages if p.source == "wire.txt")
    versions = find_versions(index, [wire], threshold=0.6)[wire]
    assert [hit.article.source for hit in versions] == ["agency.txt"]
    assert 0.6 <= versions[0].score < 1.0
    assert find_versions(index, [wire], threshold=0.99)[wire] == []


def test_calibration_counts_versions_against_the_gold(tmp_path: Path) -> None:
    folder = _index(tmp_path, {"a.txt": STORY, "b.txt": STORY + " More."})
    index = load_index(folder)
    rows = calibrate(index, lambda a, b: True, thresholds=(0.5, 0.999))
    assert (rows[0].precision, rows[0].recall) == (1.0, 1.0)
    assert rows[1].recall == 0.0
