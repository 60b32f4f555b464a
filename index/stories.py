"""One story in several languages: passages of other articles that tell the same thing.

Wire services send the same story in English and in French, and agencies repeat each other.
A passage's versions are passages of other articles whose vectors are nearly the same and
that share an anchor a translation keeps: a number ("308", "2015") or a name ("Lavrov",
"Лавров", "Lawrow" are one name to ``name_key``). The cosine alone confuses two passages on
one topic (two paragraphs about the same match, the same talks) with one passage told twice;
the anchor tells them apart. ``SAME_STORY_COSINE`` is calibrated by ``calibrate`` on XQuAD-R,
whose paragraphs are translations of each other (``briefing-index eval stories``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from index.records import Hit
from index.speech import name_key
from index.store import StoredIndex

# Calibrated with multilingual-e5-small on XQuAD-R de+ru (docs in README, "One story").
SAME_STORY_COSINE = 0.90
_NEIGHBOURS = 12
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"(?<![\w’'])[^\W\d_][^\W_]{2,}")
_SIMILAR_NAME = 0.8


@dataclass(frozen=True, slots=True)
class Anchors:
    """What a translation of a passage keeps: its numbers and its capitalised names."""

    numbers: frozenset[str]
    names: frozenset[str]

    def shared_with(self, other: Anchors) -> bool:
        """True when the two passages share a number or a name (spelling-tolerant)."""
        if self.numbers & other.numbers:
            return True
        return any(_similar(a, b) for a in self.names for b in other.names)


def anchors(text: str) -> Anchors:
    """The numbers and the name keys of the capitalised words of ``text``."""
    numbers = frozenset(re.sub(r"[.,]", "", n) for n in _NUMBER.findall(text) if len(n) > 1)
    names = frozenset(
        key for word in _NAME.findall(text) if word[0].isupper() and len(key := name_key(word)) > 3
    )
    return Anchors(numbers, names)


def _similar(key: str, other: str) -> bool:
    return key == other or SequenceMatcher(None, key, other).ratio() >= _SIMILAR_NAME


def find_versions(
    index: StoredIndex, passage_ids: Sequence[int], threshold: float = SAME_STORY_COSINE
) -> dict[int, list[Hit]]:
    """For each passage, its versions in other articles, closest first, one per article.

    Each version is a ``Hit`` whose ``score`` is its cosine to the passage.
    """
    versions: dict[int, list[Hit]] = {}
    for passage_id, hits in _neighbours(index, passage_ids, threshold).items():
        own = anchors(index.passages[passage_id].text)
        versions[passage_id] = [hit for hit in hits if own.shared_with(anchors(hit.passage.text))]
    return versions


def _neighbours(
    index: StoredIndex, passage_ids: Sequence[int], threshold: float
) -> dict[int, list[Hit]]:
    """The closest passage of each other article, at ``threshold`` or above, closest first."""
    if not passage_ids or not index.passages:
        return {}
    ids = np.asarray(passage_ids, dtype=np.int64)
    k = min(_NEIGHBOURS + 1, len(index.passages))
    cosines, neighbours = index.passage_store.search(index.passage_vectors(ids), k)
    found: dict[int, list[Hit]] = {}
    for row, passage_id in enumerate(ids.tolist()):
        seen = {index.passages[passage_id].source}
        hits = found.setdefault(passage_id, [])
        for cosine, other_id in zip(cosines[row].tolist(), neighbours[row].tolist(), strict=True):
            other = index.passages[other_id] if other_id >= 0 else None
            if other is not None and cosine >= threshold and other.source not in seen:
                seen.add(other.source)
                hits.append(Hit(other, index.articles[other.source], cosine))
    return found


@dataclass(frozen=True, slots=True)
class CalibrationRow:
    """How well "cosine at least ``threshold``, and an anchor shared" finds the same story."""

    threshold: float
    precision: float
    recall: float
    precision_cosine_only: float
    recall_cosine_only: float


def calibrate(
    index: StoredIndex,
    same_story: Callable[[str, str], bool],
    thresholds: Sequence[float] = (0.80, 0.82, 0.84, 0.86, 0.88, 0.90, 0.92, 0.94),
) -> list[CalibrationRow]:
    """Precision and recall of versions found among each passage's neighbours, per threshold.

    Args:
        index: An index whose articles include versions of each other.
        same_story: Whether two sources tell the same story (the gold).
        thresholds: Cosines to try.
    """
    every = list(range(len(index.passages)))
    pairs = [
        (index.passages[p].source, hit.passage.source, hit.score, _anchored(index, p, hit))
        for p, hits in _neighbours(index, every, min(thresholds)).items()
        for hit in hits
    ]
    relevant = {
        (a.source, b.source)
        for a in index.passages
        for b in index.passages
        if a.source != b.source and same_story(a.source, b.source)
    }
    rows = []
    for threshold in thresholds:
        kept = {(a, b) for a, b, cosine, anchored in pairs if cosine >= threshold and anchored}
        loose_kept = {(a, b) for a, b, cosine, _ in pairs if cosine >= threshold}
        rows.append(
            CalibrationRow(
                threshold,
                *_precision_recall(kept, relevant),
                *_precision_recall(loose_kept, relevant),
            )
        )
    return rows


def _anchored(index: StoredIndex, passage_id: int, hit: Hit) -> bool:
    return anchors(index.passages[passage_id].text).shared_with(anchors(hit.passage.text))


def _precision_recall(
    found: set[tuple[str, str]], relevant: set[tuple[str, str]]
) -> tuple[float, float]:
    correct = len(found & relevant)
    return (correct / len(found) if found else 1.0), (correct / len(relevant) if relevant else 1.0)
