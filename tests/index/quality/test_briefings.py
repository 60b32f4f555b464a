"""``briefing-index eval answers``: the briefing it makes, the figures it computes, the command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import cli
from index.errors import BriefingError
from index.quality.briefings import (
    Outcome,
    article_range,
    evaluate_briefing,
    make_briefing,
    paragraph_of,
    score,
)
from tests.support.fakes import FakeEmbedder
from tests.support.paths import REPO

GATE = REPO / "tests" / "data" / "xquad-gate"


def test_article_ranges() -> None:
    assert article_range("30-33") == [30, 31, 32, 33]
    assert article_range("45, 30-31,30") == [30, 31, 45]
    with pytest.raises(BriefingError, match="--articles takes"):
        article_range("thirty")


def test_the_briefing_is_one_file_per_paragraph_and_language() -> None:
    files, questions = make_briefing(GATE, ["de", "ru"], "en", [42, 43], [45], off_topic=5)
    assert len(files) == 2 * 10
    assert {name.split("/")[0] for name in files} == {"de", "ru"}
    numbers = {paragraph_of(name) for name in files}
    assert len(numbers) == 10
    answerable = [q for q in questions if q.paragraph is not None]
    off_topic = [q for q in questions if q.paragraph is None]
    assert len(answerable) == 23 + 25 and {q.paragraph for q in answerable} == numbers
    assert len(off_topic) == 5
    # Off-topic questions are spread over their article, not its first paragraph only.
    en = json.loads((GATE / "en.json").read_text(encoding="utf-8"))["data"][45]["paragraphs"]
    first_paragraph = {qa["question"] for qa in en[0]["qas"]}
    assert not {q.text for q in off_topic} <= first_paragraph
    # Parallel: the same paragraph number is the same story in every language.
    de = files[f"de/{min(numbers):04d}.txt"]
    ru = files[f"ru/{min(numbers):04d}.txt"]
    assert de != ru and de and ru


def test_the_figures_by_hand() -> None:
    outcomes = [
        Outcome("right and grouped", 1, True, 1, True),
        Outcome("right, a version missing", 2, True, 2, False),
        Outcome("wrong paragraph", 3, True, 4, True),
        Outcome("refused", 5, False, None, False),
        Outcome("off-topic refused", None, False, None, False),
        Outcome("off-topic answered", None, True, 9, True),
    ]
    scores = score(outcomes, ["de", "ru"], "en", "42-43", 10)
    assert (scores.answerable, scores.off_topic) == (4, 2)
    assert scores.answered == pytest.approx(0.75)
    assert scores.first_citation_right == pytest.approx(0.5)
    assert scores.off_topic_abstained == pytest.approx(0.5)
    assert scores.other_versions_grouped == pytest.approx(0.5)  # of the two right ones


def test_the_whole_pipeline_runs_and_the_pool_is_embedded_once(tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    scores, outcomes = evaluate_briefing(
        GATE, ["de", "ru"], "en", "42-43", "45", 6, tmp_path, embedder
    )
    assert (scores.paragraphs, scores.answerable, scores.off_topic) == (10, 48, 6)
    assert len(outcomes) == 54
    for figure in (
        scores.answered,
        scores.first_citation_right,
        scores.off_topic_abstained,
        scores.other_versions_grouped,
    ):
        assert 0.0 <= figure <= 1.0
    assert scores.first_citation_right <= scores.answered
    embedded = len(embedder.passages_embedded)
    again, _ = evaluate_briefing(GATE, ["de", "ru"], "en", "42-43", "45", 6, tmp_path, embedder)
    assert len(embedder.passages_embedded) == embedded  # the second run reuses the vectors
    assert again == scores


def test_articles_that_name_nothing_are_refused(tmp_path: Path) -> None:
    with pytest.raises(BriefingError, match="names no article"):
        evaluate_briefing(GATE, ["de"], "en", "3-4", "45", 5, tmp_path, FakeEmbedder())


def test_eval_answers_command(
    fake_env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ["eval", "answers", "--data", str(GATE), "--work", str(tmp_path / "work")]
    args += ["--pool", "de,ru", "--articles", "42-43", "--off-topic-from", "45"]
    args += ["--off-topic", "6"]
    assert cli.main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "answers on XQuAD-R articles 42-43: de,ru (10 paragraphs a language), "
        "questions in en, model fake-hashing-256"
    )
    assert [line.split()[0] for line in lines[1:5]] == ["answered", "first", "off-topic", "other"]
    assert lines[1].endswith("of 48 answerable") and lines[3].endswith("of 6")
    assert cli.main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["eval"] == "answers" and report["pool"] == ["de", "ru"]
    assert report["answerable"] == 48 and report["off_topic"] == 6
    assert set(report) >= {"answered", "first_citation_right", "off_topic_abstained"}
    assert cli.main([*args[:-1], "0"]) == 0
    assert "off-topic abstained   none asked (--off-topic 0)" in capsys.readouterr().out
    assert cli.main([*args[:-2], "--articles", "x"]) == 1
    assert "--articles takes" in capsys.readouterr().err
