"""One story in several languages: passages of other articles that tell the same thing.

Wire services send the same story in English and in French, and agencies repeat each other.
Two passages tell the same story when their sentences align: each sentence of one has a close
sentence in the other (``alignment``, the mean best sentence cosine, both ways). Passages on
one topic align too, only less, so a version must pass three tests, each relative to the
passages around it rather than to a cosine fixed once for all briefings:

* it is among the nearest passages of its language (``_PER_LANGUAGE`` of them, taken from the
  ``_NEIGHBOURS`` nearest of any language, so that the passage's own language, nearer by the
  model's bias, does not crowd the others out);
* the two are each other's best aligned passage in the other's language (mutual best);
* its alignment is ``Rule.floor`` or more and ``Rule.gap`` clear of the best passage of any
  other article in its language: a story is told once per language, a topic many times
  (where no other article of that language is near, ``_UNCONTESTED`` or more).

Other languages and the passage's own have a rule each (``ACROSS_LANGUAGES``, ``SAME_LANGUAGE``):
an agency's copy in the same language aligns almost word for word. ``measure`` gives recall and
false groupings on XQuAD-R (``briefing-index eval stories``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from index.records import Hit
from index.store.folder import StoredIndex

_NEIGHBOURS = 100
_PER_LANGUAGE = 5
# With no other article of its language near, a version cannot be shown to stand clear of the
# others: it must align as closely as an agency's copy, or two articles of one topic, one a
# language (the seed briefing's), would pass for one story.
_UNCONTESTED = 0.89

Ranked = dict[str, list[tuple[float, int]]]  # language → (alignment, passage id), best first


@dataclass(frozen=True, slots=True)
class Rule:
    """A version aligns ``floor`` or more, ``gap`` clear of the next article's best passage."""

    floor: float
    gap: float


# multilingual-e5-small on XQuAD-R articles 30-47 (docs/answers.md, "One story, many languages").
ACROSS_LANGUAGES = Rule(floor=0.80, gap=0.02)
SAME_LANGUAGE = Rule(floor=0.84, gap=0.05)


def alignment(index: StoredIndex, first: int, second: int) -> float:
    """How well the sentences of two passages match, 1.0 for the same sentences."""
    cosines = index.passage_sentence_vectors(first) @ index.passage_sentence_vectors(second).T
    return float((cosines.max(axis=1).mean() + cosines.max(axis=0).mean()) / 2)


def find_versions(
    index: StoredIndex,
    passage_ids: Sequence[int],
    across: Rule = ACROSS_LANGUAGES,
    same: Rule = SAME_LANGUAGE,
) -> dict[int, list[Hit]]:
    """For each passage, its versions in other articles, at most one per language, best first.

    Each version is a ``Hit`` whose ``score`` is its ``alignment`` with the passage.
    """
    ranked = _ranked(index, passage_ids)
    chosen = _chosen(index, ranked, across, same)
    versions = sorted({other for candidates in chosen.values() for _, other in candidates})
    back = _ranked(index, versions)
    return {
        passage_id: [
            Hit(index.passages[other], index.articles[index.passages[other].source], score)
            for score, other in sorted(candidates, reverse=True)
        ]
        for passage_id, candidates in _mutual(index, chosen, back).items()
    }


def _chosen(
    index: StoredIndex, ranked: dict[int, Ranked], across: Rule, same: Rule
) -> dict[int, list[tuple[float, int]]]:
    """Per passage and language, the best aligned passage, if it passes its language's rule."""
    chosen: dict[int, list[tuple[float, int]]] = {}
    for passage_id, by_language in ranked.items():
        own = _language(index, passage_id)
        chosen[passage_id] = []
        for language, candidates in by_language.items():
            rule = same if language == own else across
            score, best = candidates[0]
            source = index.passages[best].source
            rest = [s for s, other in candidates[1:] if index.passages[other].source != source]
            clear = score - rest[0] >= rule.gap if rest else score >= _UNCONTESTED
            if score >= rule.floor and clear:
                chosen[passage_id].append((score, best))
    return chosen


def _mutual(
    index: StoredIndex, chosen: dict[int, list[tuple[float, int]]], back: dict[int, Ranked]
) -> dict[int, list[tuple[float, int]]]:
    """The chosen versions whose own best aligned passage in the passage's language is of the
    passage's article (``back``: the versions' ranked candidates)."""
    kept: dict[int, list[tuple[float, int]]] = {}
    for passage_id, candidates in chosen.items():
        source, language = index.passages[passage_id].source, _language(index, passage_id)
        kept[passage_id] = [
            (score, other)
            for score, other in candidates
            if (ranked := back[other].get(language))
            and index.passages[ranked[0][1]].source == source
        ]
    return kept


def _language(index: StoredIndex, passage_id: int) -> str:
    return index.articles[index.passages[passage_id].source].language


def _ranked(index: StoredIndex, passage_ids: Sequence[int]) -> dict[int, Ranked]:
    """The nearest passages of other articles, the nearest few of each language, best
    aligned first."""
    if not passage_ids or len(index.passages) < 2:
        return {passage_id: {} for passage_id in passage_ids}
    ids = np.asarray(passage_ids, dtype=np.int64)
    _, neighbours = index.passage_store.search(
        index.passage_vectors(ids), min(_NEIGHBOURS, len(index.passages))
    )
    found: dict[int, Ranked] = {}
    for row, passage_id in enumerate(ids.tolist()):
        source = index.passages[passage_id].source
        nearest: dict[str, list[int]] = defaultdict(list)
        for other in neighbours[row].tolist():
            if other >= 0 and index.passages[other].source != source:
                language = _language(index, other)
                if len(nearest[language]) < _PER_LANGUAGE:
                    nearest[language].append(other)
        found[passage_id] = {
            language: sorted(((alignment(index, passage_id, o), o) for o in others), reverse=True)
            for language, others in nearest.items()
        }
    return found


@dataclass(frozen=True, slots=True)
class StoryMeasure:
    """How a rule for other languages (``floor``, ``gap``) groups an index's passages, per
    passage and other language: where that language tells the story (``versions``), how often
    its version is grouped (``found``) or another article instead (``wrong``); where it does
    not (``without``), how often something is grouped anyway (``grouped_without``)."""

    floor: float
    gap: float
    versions: int
    found: int
    wrong: int
    without: int
    grouped_without: int


def measure(
    index: StoredIndex,
    same_story: Callable[[str, str], bool],
    rules: Sequence[Rule],
) -> list[StoryMeasure]:
    """``find_versions`` of every passage, for each rule for other languages.

    Args:
        index: An index whose articles include versions of each other (XQuAD-R's paragraphs).
        same_story: Whether two sources tell the same story (the gold).
        rules: Rules for other languages to try.
    """
    everything = list(range(len(index.passages)))
    ranked = _ranked(index, everything)
    tells: dict[tuple[int, str], bool] = {}
    for passage_id in everything:
        source = index.passages[passage_id].source
        for other in index.articles.values():
            key = (passage_id, other.language)
            if other.source != source and other.language != _language(index, passage_id):
                tells[key] = tells.get(key, False) or same_story(source, other.source)
    measured = []
    for rule in rules:
        kept = _mutual(index, _chosen(index, ranked, rule, SAME_LANGUAGE), ranked)
        grouped = {
            (passage_id, _language(index, other)): same_story(
                index.passages[passage_id].source, index.passages[other].source
            )
            for passage_id, versions in kept.items()
            for _, other in versions
        }
        there = [key for key, told in tells.items() if told]
        measured.append(
            StoryMeasure(
                rule.floor,
                rule.gap,
                versions=len(there),
                found=sum(grouped.get(key, False) for key in there),
                wrong=sum(key in grouped and not grouped[key] for key in there),
                without=len(tells) - len(there),
                grouped_without=sum(key in grouped for key, told in tells.items() if not told),
            )
        )
    return measured
