"""Whether the briefing answers a question: signals that mean the same on any briefing.

A cosine score alone does not transfer: how high the best passage scores depends on the
question's language, the briefing's languages and its size, so a fixed cut-off refuses good
questions on one briefing and answers bad ones on the next. The decision adds two signals
that carry their own reference with them:

* the lift: how far the best passage stands above the question's typical passage of this
  briefing (the mean score of those ranked 10th to 25th), so a question that scores high
  against everything is not taken for one the briefing answers (a briefing of fewer than 25
  passages is too small to tell: a fixed lift stands in);
* the names and numbers of the question: found in the best passage (across scripts:
  ``Лавров`` is ``Lavrov``), a sign it is the story asked about; none of them found, a sign
  it is not.

``score = best + LIFT × lift + FOUND (a name or number found) − MISSING (none found)``, in
cosine units, answers when it reaches the model's threshold. Two questions are answered on
what the briefing says instead, whatever the score: "Who is X?" / "What is X?" when a passage
names X (``introduces``), "What happened on <day>?" when passages tell of that day or are
dated that day (``tells_day``). The weights and the threshold
were fitted by logistic regression on XQuAD-R articles 30-47 in six mixes of languages
(``briefing-index eval answers``; docs/answers.md has the figures), and the seed questions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.answering.suggestions import names_in
from index.records import Hit
from index.retrieval.question import Question
from index.retrieval.speakers import name_key, same_name


@dataclass(frozen=True, slots=True)
class Calibration:
    """One model's weights (see the module's docstring); all in cosine units.

    Attributes:
        threshold: The score an answer needs.
        quoted: How much less is enough when a passage quotes the speaker asked about, or
            tells of the time asked about.
        lift: Weight of the lift.
        found: Added when the best passage has a name or number of the question.
        missing: Taken away when the question has names or numbers and it has none of them.
        small_lift: The lift taken on a briefing too small to measure it (fewer passages
            than ``BASELINE_RANKS[1]``), where every passage may tell the story asked about.
    """

    threshold: float
    quoted: float = 0.03
    lift: float = 0.0
    found: float = 0.0
    missing: float = 0.0
    small_lift: float = 0.0


CALIBRATIONS = {
    "intfloat/multilingual-e5-small": Calibration(0.835, 0.03, 1.7, 0.012, 0.026, 0.012),
    "sentence-transformers/all-MiniLM-L6-v2": Calibration(0.33),
}
UNCALIBRATED = Calibration(0.0, 0.0)
# The question's typical passage: the mean score of the hits ranked this far down.
BASELINE_RANKS = (10, 25)
_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"\w+")
_ANCHOR_LETTERS = 3
# Languages that capitalise every noun: capitals mark no names there, only numbers count.
_NOUNS_CAPITALISED = frozenset({"de", "lb"})


@dataclass(frozen=True, slots=True)
class Confidence:
    """The signals behind one decision, and the decision (``briefing-bot ask --json``).

    Attributes:
        best: The best passage's cosine score.
        lift: ``best`` minus the mean score of the passages ranked 10th to 25th (on a
            briefing of fewer passages, the calibration's ``small_lift``).
        anchors: The names and numbers of the question.
        found: Those the best passage has.
        score: The weighted sum the decision compares with ``threshold``.
        threshold: The score an answer needs.
        introduces: A "Who is X?" / "What is X?" question whose X a passage names.
        tells_day: A "What happened on <day>?" question whose day a passage tells of.
    """

    best: float
    lift: float
    anchors: int
    found: int
    score: float
    threshold: float
    introduces: bool = False
    tells_day: bool = False

    @property
    def answered(self) -> bool:
        return self.score >= self.threshold or self.introduces or self.tells_day

    def passes(self, cosine: float, bonus: float = 0.0) -> bool:
        """Whether a passage scoring ``cosine``, with this question's other signals, would
        answer (``bonus``: how much less is enough)."""
        return self.score - self.best + cosine >= self.threshold - bonus

    def floor(self, bonus: float = 0.0) -> float:
        """The lowest cosine that ``passes``."""
        return self.threshold - bonus - (self.score - self.best)

    def as_json(self) -> dict[str, float | int | bool]:
        return {
            "best": round(self.best, 4),
            "lift": round(self.lift, 4),
            "anchors": self.anchors,
            "found": self.found,
            "score": round(self.score, 4),
            "threshold": round(self.threshold, 4),
            "introduces": self.introduces,
            "tells_day": self.tells_day,
            "answered": self.answered,
        }


def confidence(
    question: Question, hits: Sequence[Hit], calibration: Calibration, tells_day: bool = False
) -> Confidence:
    """The signals of ``hits`` (the search's, best first, at least ``BASELINE_RANKS[1]`` deep
    where the briefing has that many passages) for ``question``; ``tells_day``: some of them
    tell of the day a "What happened on …?" question asks about."""
    top = max(hits, key=lambda hit: hit.score, default=None)
    best = top.score if top else 0.0
    scores = sorted((hit.score for hit in hits), reverse=True)
    low, high = BASELINE_RANKS
    typical = scores[low:high]
    measured = len(scores) >= high
    lift = best - sum(typical) / len(typical) if measured else calibration.small_lift
    anchors = anchors_of(question)
    found = found_in(anchors, top.passage.text if top else "")
    score = best + calibration.lift * lift
    if anchors:
        score += calibration.found if found else -calibration.missing
    introduces = any(names_all(question.defines, hit.passage.text) for hit in hits)
    return Confidence(
        best, lift, len(anchors), found, score, calibration.threshold, introduces, tells_day
    )


def anchors_of(question: Question) -> list[str]:
    """The numbers of the question, and the name keys of the words of its names."""
    numbers = _NUMBER.findall(question.text)
    if question.language in _NOUNS_CAPITALISED:
        return numbers
    keys = [name_key(word) for name in names_in(question.text) for word in name.split()]
    return numbers + [key for key in dict.fromkeys(keys) if len(key) >= _ANCHOR_LETTERS]


def names_all(keys: Sequence[str], text: str) -> bool:
    """Whether ``text`` names every one of the name ``keys`` (none: False)."""
    return bool(keys) and found_in(keys, text) == len(keys)


def found_in(anchors: Sequence[str], text: str) -> int:
    """How many of the numbers and name keys ``anchors`` ``text`` has."""
    if not anchors:
        return 0
    numbers = set(_NUMBER.findall(text))
    keys = {name_key(word) for word in _WORD.findall(text)} - {""}
    return sum(
        anchor in numbers if anchor.isdigit() else any(same_name(anchor, key) for key in keys)
        for anchor in anchors
    )
