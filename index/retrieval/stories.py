"""One story in several languages: passages of other articles that tell the same thing.

Wire services send the same story in English and in French, and agencies repeat each other.
Two passages tell the same story when their sentences align: each sentence of one has a close
sentence in the other (``alignment``, the mean best sentence cosine, both ways). Passages on
one topic align too, only less, so a version must also stand clear of the next passage in
its language: the same story is told once per language, a topic many times. Both thresholds
are calibrated on XQuAD-R, whose paragraphs are translations of each other, by ``calibrate``
(``briefing-index eval stories``). Whole-passage cosines and shared names or numbers were
measured too, and added nothing (see the README, "One story, many languages").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from index.records import Hit
from index.store.folder import StoredIndex

# multilingual-e5-small on XQuAD-R de+ru: precision 0.993, recall 0.917 (README).
SAME_STORY_ALIGNMENT = 0.84
SAME_STORY_GAP = 0.05
_CANDIDATES = 10


def alignment(index: StoredIndex, first: int, second: int) -> float:
    """How well the sentences of two passages match, 1.0 for the same sentences."""
    cosines = index.passage_sentence_vectors(first) @ index.passage_sentence_vectors(second).T
    return float((cosines.max(axis=1).mean() + cosines.max(axis=0).mean()) / 2)


def find_versions(
    index: StoredIndex,
    passage_ids: Sequence[int],
    floor: float = SAME_STORY_ALIGNMENT,
    gap: float = SAME_STORY_GAP,
) -> dict[int, list[Hit]]:
    """For each passage, its versions in other articles, at most one per language, best first.

    Each version is a ``Hit`` whose ``score`` is its ``alignment`` with the passage.
    """
    versions: dict[int, list[Hit]] = {}
    for passage_id, by_language in _aligned_candidates(index, passage_ids).items():
        chosen = [v for ranked in by_language.values() if (v := _version(ranked, floor, gap))]
        versions[passage_id] = [
            Hit(index.passages[other], index.articles[index.passages[other].source], score)
            for score, other in sorted(chosen, reverse=True)
        ]
    return versions


def _version(ranked: list[tuple[float, int]], floor: float, gap: float) -> tuple[float, int] | None:
    """The best aligned candidate of one language, if it is close and clear of the next."""
    score, _ = ranked[0]
    if score >= floor and (len(ranked) < 2 or score - ranked[1][0] >= gap):
        return ranked[0]
    return None


def _aligned_candidates(
    index: StoredIndex, passage_ids: Sequence[int]
) -> dict[int, dict[str, list[tuple[float, int]]]]:
    """The nearest passages of other articles, by language, best aligned first."""
    if not passage_ids or len(index.passages) < 2:
        return {passage_id: {} for passage_id in passage_ids}
    ids = np.asarray(passage_ids, dtype=np.int64)
    _, neighbours = index.passage_store.search(
        index.passage_vectors(ids), min(2 * _CANDIDATES, len(index.passages))
    )
    found: dict[int, dict[str, list[tuple[float, int]]]] = {}
    for row, passage_id in enumerate(ids.tolist()):
        source = index.passages[passage_id].source
        others = [
            other for other in neighbours[row].tolist()
            if other >= 0 and index.passages[other].source != source
        ][:_CANDIDATES]  # fmt: skip
        by_language: dict[str, list[tuple[float, int]]] = defaultdict(list)
        for other in others:
            language = index.articles[index.passages[other].source].language
            by_language[language].append((alignment(index, passage_id, other), other))
        found[passage_id] = {lang: sorted(c, reverse=True) for lang, c in by_language.items()}
    return found


@dataclass(frozen=True, slots=True)
class CalibrationRow:
    """How well "alignment at least ``floor``, ``gap`` clear of the next" finds the same story."""

    floor: float
    gap: float
    precision: float
    recall: float


def calibrate(
    index: StoredIndex,
    same_story: Callable[[str, str], bool],
    floors: Sequence[float] = (0.82, 0.84, 0.86, 0.88, 0.90),
    gaps: Sequence[float] = (0.0, 0.03, 0.05),
) -> list[CalibrationRow]:
    """Precision and recall of the versions found, over pairs of articles, per setting.

    Args:
        index: An index whose articles include versions of each other.
        same_story: Whether two sources tell the same story (the gold).
        floors: Alignments to try.
        gaps: Margins over the next passage of the same language to try.
    """
    candidates = _aligned_candidates(index, list(range(len(index.passages))))
    sources = sorted(index.articles)
    relevant = {(a, b) for a in sources for b in sources if a != b and same_story(a, b)}
    rows = []
    for floor in floors:
        for gap in gaps:
            found = {
                (index.passages[p].source, index.passages[version[1]].source)
                for p, by_language in candidates.items()
                for ranked in by_language.values()
                if (version := _version(ranked, floor, gap))
            }
            correct = len(found & relevant)
            rows.append(
                CalibrationRow(
                    floor,
                    gap,
                    correct / len(found) if found else 1.0,
                    correct / len(relevant) if relevant else 1.0,
                )
            )
    return rows
