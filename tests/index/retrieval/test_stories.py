from __future__ import annotations

from pathlib import Path

import pytest

from index.build import build_index
from index.retrieval.stories import Rule, alignment, find_versions, measure
from index.store.folder import StoredIndex, load_index
from tests.support.fakes import FakeEmbedder

STORY = (
    "Sergei Lavrov met Boris Johnson in Moscow on 22 December 2017. He proposed "
    "consultations on cyber security between the two ministries and their experts."
)
# The same in French: the fake embedder hashes words, so only names and numbers are shared.
FRENCH = (
    "Sergueï Lavrov a rencontré Boris Johnson à Moscou le 22 décembre 2017. Il a proposé "
    "des consultations sur la cybersécurité entre les deux ministères et leurs experts."
)
WEATHER = "The weather in Paris was mild all week. It rained on Sunday."
NEVER = Rule(floor=1.01, gap=0.0)  # alignment is at most 1


def _index(tmp_path: Path, articles: dict[str, str]) -> StoredIndex:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name, body in articles.items():
        (seeds / name).write_text(f"{name}\n\n{body}\n", encoding="utf-8")
    build_index(seeds, tmp_path / "index", FakeEmbedder())
    return load_index(tmp_path / "index")


def _first(index: StoredIndex, source: str) -> int:
    return next(p.id for p in index.passages if p.source == source)


def _found(index: StoredIndex, source: str, across: Rule, same: Rule) -> list[str]:
    passage = _first(index, source)
    return [hit.article.source for hit in find_versions(index, [passage], across, same)[passage]]


def test_a_story_told_twice_is_found_once_per_other_article(tmp_path: Path) -> None:
    index = _index(
        tmp_path,
        {
            "wire.txt": STORY,
            "agency.txt": STORY.replace("proposed", "offered") + " Johnson did not answer.",
            "topic.txt": "Cyber security consultations between the two ministries were proposed "
            "again in 2019. The experts did not meet.",
            "other.txt": WEATHER,
        },
    )
    wire = _first(index, "wire.txt")
    versions = find_versions(index, [wire], NEVER, Rule(0.6, 0.05))[wire]
    assert [hit.article.source for hit in versions] == ["agency.txt"]
    assert versions[0].score == pytest.approx(alignment(index, wire, _first(index, "agency.txt")))
    assert alignment(index, wire, wire) == pytest.approx(1.0, abs=1e-5)  # a float32 dot product
    assert alignment(index, wire, _first(index, "topic.txt")) < versions[0].score
    assert _found(index, "wire.txt", NEVER, NEVER) == []


def test_a_version_must_stand_clear_of_the_next_article_in_its_language(tmp_path: Path) -> None:
    twin = STORY.replace("proposed", "offered")
    topic = "Sergei Lavrov met Boris Johnson in Moscow. They spoke about cyber security."
    index = _index(tmp_path, {"wire.txt": STORY, "twin.txt": twin, "topic.txt": topic})
    wire, twin_id, topic_id = (_first(index, s) for s in ("wire.txt", "twin.txt", "topic.txt"))
    gap = alignment(index, wire, twin_id) - alignment(index, wire, topic_id)
    assert gap > 0.02
    assert _found(index, "wire.txt", NEVER, Rule(0.5, gap + 0.01)) == []
    assert _found(index, "wire.txt", NEVER, Rule(0.5, gap - 0.01)) == ["twin.txt"]


def test_versions_are_each_others_best(tmp_path: Path) -> None:
    # Two words from the wire, the copy is one word from its reprint: the copy's best is the
    # reprint, so the wire has no version, and the copy and the reprint are each other's.
    copy = STORY.replace("proposed", "offered").replace("experts", "advisers")
    reprint = copy.replace("met", "saw")
    index = _index(tmp_path, {"wire.txt": STORY, "copy.txt": copy, "reprint.txt": reprint})
    wire, copy_id, reprint_id = (_first(index, s) for s in ("wire.txt", "copy.txt", "reprint.txt"))
    assert alignment(index, wire, copy_id) > alignment(index, wire, reprint_id)
    assert alignment(index, copy_id, reprint_id) > alignment(index, copy_id, wire)
    loose = Rule(0.0, 0.0)
    assert _found(index, "wire.txt", NEVER, loose) == []
    assert _found(index, "copy.txt", NEVER, loose) == ["reprint.txt"]


FRENCH_WEATHER = "Il a fait doux à Paris toute la semaine. Il a plu dimanche, dit la météo."


def test_other_languages_have_their_own_rule(tmp_path: Path) -> None:
    index = _index(
        tmp_path,
        {
            "wire.txt": STORY,
            "dépêche.txt": FRENCH,
            "météo.txt": FRENCH_WEATHER,
            "other.txt": WEATHER,
        },
    )
    assert {a.language for a in index.articles.values()} == {"en", "fr"}
    assert _found(index, "wire.txt", Rule(0.0, 0.0), NEVER) == ["dépêche.txt"]
    assert _found(index, "dépêche.txt", Rule(0.0, 0.0), NEVER) == ["wire.txt"]
    # Other languages never, its own however loosely: the French version is not taken.
    assert "dépêche.txt" not in _found(index, "wire.txt", NEVER, Rule(0.0, 0.0))


def test_measure_counts_versions_found_wrong_and_grouped_when_there_is_none(
    tmp_path: Path,
) -> None:
    index = _index(
        tmp_path,
        {
            "wire.txt": STORY,
            "dépêche.txt": FRENCH,
            "météo.txt": FRENCH_WEATHER,
            "other.txt": WEATHER,
        },
    )
    gold = {frozenset(("wire.txt", "dépêche.txt"))}
    loose, never = measure(index, lambda a, b: frozenset((a, b)) in gold, [Rule(0.0, 0.0), NEVER])
    # wire → French and French → wire are there; the weather has a version neither way.
    assert (loose.versions, loose.found, loose.wrong) == (2, 2, 0)
    assert (loose.without, loose.grouped_without) == (2, 2)  # weather ↔ météo, at no floor
    assert (never.found, never.wrong, never.grouped_without) == (0, 0, 0)


def test_an_article_alone_in_its_language_must_align_as_a_copy_does(tmp_path: Path) -> None:
    # No other French article to stand clear of: the gap cannot be measured.
    index = _index(tmp_path, {"wire.txt": STORY, "dépêche.txt": FRENCH})
    wire, french = _first(index, "wire.txt"), _first(index, "dépêche.txt")
    assert alignment(index, wire, french) < 0.89
    assert _found(index, "wire.txt", Rule(0.0, 0.0), NEVER) == []
