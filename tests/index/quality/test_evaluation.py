from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.errors import BriefingError
from index.quality.evaluation import (
    EvalQuestion,
    calibrate_threshold,
    evaluate_xquad,
    prepare_xquad,
    read_question_set,
    score_rankings,
)
from tests.support.fakes import FakeEmbedder
from tests.support.paths import REPO

MINI = REPO / "tests" / "data" / "xquad-mini"


def test_metrics_by_hand() -> None:
    questions = [
        EvalQuestion("a", frozenset({("x", 1)})),
        EvalQuestion("b", frozenset({("y", 1), ("z", 1)})),
        EvalQuestion("unanswerable", frozenset()),
    ]
    rankings = [
        [("x", 1), ("y", 1)],
        [("x", 1), ("y", 1), ("q", 1), ("z", 1)],
        [("x", 1)],
    ]
    scores = score_rankings(rankings, questions)
    assert scores.questions == 2
    assert scores.recall_at_1 == pytest.approx(0.5)
    assert scores.recall_at_5 == pytest.approx(1.0)
    # AP: first 1.0; second (1/2 + 2/4) / 2 = 0.5.
    assert scores.map_at_20 == pytest.approx(0.75)


def test_calibration_separates_the_classes() -> None:
    threshold, errors = calibrate_threshold([0.9, 0.85, 0.7, 0.6], [True, True, False, False])
    assert errors == 0 and 0.7 < threshold < 0.85
    threshold, errors = calibrate_threshold([0.9, 0.65, 0.7, 0.6], [True, True, False, False])
    assert errors == 1


def test_prepare_xquad_golds_point_at_the_pooled_translations() -> None:
    files, questions = prepare_xquad(MINI, ["de", "ru"], "en", limit=None)
    assert len(files) == 8 and len(questions) == 12
    for question in questions:
        assert {source.split("/")[0] for source, _ in question.gold} == {"de", "ru"}
        assert {source.split("/")[1] for source, _ in question.gold} == {
            next(iter(question.gold))[0].split("/")[1]
        }


def test_prepare_xquad_keeps_only_the_articles_asked() -> None:
    gate = REPO / "tests" / "data" / "xquad-gate"  # articles 42-45
    everything, all_questions = prepare_xquad(gate, ["de"], "en", limit=None)
    files, questions = prepare_xquad(gate, ["de"], "en", limit=None, articles={43})
    assert 0 < len(files) < len(everything) and 0 < len(questions) < len(all_questions)
    assert set(files) < set(everything)  # numbered as in the whole set
    assert all(question.gold <= {(source, 1) for source in files} for question in questions)
    assert all(question.gold for question in questions)


def test_xquad_eval_runs_end_to_end_and_caches(tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    scores = evaluate_xquad(
        MINI, ["de", "ru"], "en", tmp_path, embedder, ["dense", "lexical", "hybrid"]
    )
    assert set(scores) == {"dense", "lexical", "hybrid"}
    assert all(score.questions == 12 for score in scores.values())
    assert all(0.0 <= score.recall_at_1 <= score.recall_at_5 <= 1.0 for score in scores.values())
    embedded = len(embedder.passages_embedded)
    evaluate_xquad(MINI, ["de", "ru"], "en", tmp_path, embedder, ["dense"])
    assert len(embedder.passages_embedded) == embedded  # second run reuses the vectors


def test_missing_xquad_data_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BriefingError, match="--data"):
        prepare_xquad(tmp_path, ["de"], "en", limit=None)


def test_question_set_format(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(
        json.dumps(
            {"question": "q", "language": "en", "gold": [{"source": "a.txt", "paragraph": 2}]}
        )
        + "\n\n"
        + json.dumps({"question": "r", "gold": []})
        + "\n",
        encoding="utf-8",
    )
    assert read_question_set(path) == [
        EvalQuestion("q", frozenset({("a.txt", 2)}), "en"),
        EvalQuestion("r", frozenset(), ""),
    ]
    path.write_text('{"gold": []}\n', encoding="utf-8")
    with pytest.raises(BriefingError, match=r"set\.jsonl:1"):
        read_question_set(path)


def test_seed_question_set_points_at_real_paragraphs() -> None:
    from index.articles.chunking import ChunkingParams, chunk_document
    from index.articles.ingest import ingest

    paragraphs = {
        (doc.article.source, span.paragraph)
        for doc in ingest(REPO / "seeds").documents
        for span in chunk_document(doc, ChunkingParams())
    }
    questions = read_question_set(REPO / "seeds" / ".eval" / "seed_questions.jsonl")
    languages = {q.language for q in questions if q.gold}
    assert {"en", "fr"} < languages and len(languages) >= 3
    assert all(gold in paragraphs for q in questions for gold in q.gold)
    assert sum(not q.gold for q in questions) >= 10
