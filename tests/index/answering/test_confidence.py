from __future__ import annotations

import pytest

from index.answering.confidence import (
    BASELINE_RANKS,
    Calibration,
    anchors_of,
    confidence,
)
from index.records import Article, Hit, Passage
from index.retrieval.question import read_question

CALIBRATION = Calibration(0.8, quoted=0.03, lift=2.0, found=0.01, missing=0.02, small_lift=0.05)
ARTICLE = Article("a.txt", "A", None, None, "en", "0" * 64)


def hits(scores: list[float], best_text: str = "Nothing named here.") -> list[Hit]:
    texts = [best_text] + ["Other words."] * (len(scores) - 1)
    return [
        Hit(Passage(i, "a.txt", i, 0, len(text), text), ARTICLE, score)
        for i, (score, text) in enumerate(zip(scores, texts, strict=True))
    ]


def test_anchors_are_numbers_and_names_in_any_script() -> None:
    assert anchors_of(read_question("What did Lavrov say on 24 May?")) == ["24", "lavrov"]
    russian = read_question("Что сказал Лавров?")
    assert anchors_of(russian) == ["lavrov"]
    assert anchors_of(read_question("what is the weather like")) == []


def test_german_nouns_are_no_names() -> None:
    question = read_question("Wie viele Menschen leben in der Stadt seit 1990?")
    assert question.language == "de"
    assert anchors_of(question) == ["1990"]


def test_a_transliterated_name_is_found() -> None:
    question = read_question("Что сказал Лавров?")
    scores = [0.85] + [0.8] * (BASELINE_RANKS[1] - 1)
    signals = confidence(question, hits(scores, "Sergei Lavrov said so."), CALIBRATION)
    assert (signals.anchors, signals.found) == (1, 1)
    assert signals.lift == pytest.approx(0.05, abs=1e-6)
    assert signals.score == pytest.approx(0.85 + 2.0 * 0.05 + 0.01, abs=1e-6)
    missing = confidence(question, hits(scores), CALIBRATION)
    assert missing.found == 0
    assert missing.score == pytest.approx(0.85 + 2.0 * 0.05 - 0.02, abs=1e-6)


def test_the_lift_is_over_the_typical_passage() -> None:
    question = read_question("what is the weather like")
    low, high = BASELINE_RANKS
    flat = [0.78] * high
    standing_out = [0.78] + [0.77] * (low - 1) + [0.70] * (high - low)
    assert not confidence(question, hits(flat), CALIBRATION).answered
    signals = confidence(question, hits(standing_out), CALIBRATION)
    assert signals.lift == pytest.approx(0.08, abs=1e-6) and signals.answered


def test_a_small_briefing_takes_the_fixed_lift() -> None:
    question = read_question("what is the weather like")
    signals = confidence(question, hits([0.76, 0.5, 0.4]), CALIBRATION)
    assert signals.lift == pytest.approx(CALIBRATION.small_lift, abs=1e-9)
    assert signals.score == pytest.approx(0.76 + 0.1, abs=1e-6) and signals.answered
    assert not confidence(question, [], CALIBRATION).answered


def test_passes_and_floor_agree() -> None:
    question = read_question("what is the weather like")
    signals = confidence(question, hits([0.7, 0.5, 0.4]), CALIBRATION)
    floor = signals.floor(CALIBRATION.quoted)
    assert signals.passes(floor + 1e-6, CALIBRATION.quoted)
    assert not signals.passes(floor - 1e-3, CALIBRATION.quoted)
    assert signals.floor() == pytest.approx(floor + CALIBRATION.quoted, abs=1e-9)


def test_as_json_shows_the_decision() -> None:
    question = read_question("What did Lavrov say?")
    shown = confidence(question, hits([0.9, 0.5]), CALIBRATION).as_json()
    assert shown == {
        "best": 0.9,
        "lift": 0.05,
        "anchors": 1,
        "found": 0,
        "score": 0.98,
        "threshold": 0.8,
        "introduces": False,
        "tells_day": False,
        "answered": True,
    }
