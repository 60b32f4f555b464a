"""Retrieval quality: XQuAD-R at paragraph level, and question sets over the briefing.

Metrics follow the XQuAD-R README of this project: Recall@1, Recall@5 and mAP@20 (average
precision over the top 20, divided by min(number of gold, 20)).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.build import build_index
from index.embedding.models import Embedder, Vectors
from index.errors import BriefingError
from index.pipeline import Pipeline
from index.records import Hit
from index.retrieval.search import FusionParams, RetrievalMode, Searcher
from index.store.folder import StoredIndex, load_index

CUTOFF = 20
_BATCH = 64


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    """A question and the (source, paragraph) pairs that answer it; none if unanswerable."""

    question: str
    gold: frozenset[tuple[str, int]]
    language: str = ""


@dataclass(frozen=True, slots=True)
class RetrievalScores:
    """Retrieval metrics over the answerable questions of a set."""

    questions: int
    recall_at_1: float
    recall_at_5: float
    map_at_20: float

    def as_dict(self) -> dict[str, float | int]:
        """The figures, rounded for printing."""
        return {
            "questions": self.questions,
            "recall@1": round(self.recall_at_1, 4),
            "recall@5": round(self.recall_at_5, 4),
            "mAP@20": round(self.map_at_20, 4),
        }


def score_rankings(
    rankings: Sequence[Sequence[tuple[str, int]]], questions: Sequence[EvalQuestion]
) -> RetrievalScores:
    """Recall@1, Recall@5 and mAP@20 of ranked (source, paragraph) lists against gold."""
    answerable = [(r, q) for r, q in zip(rankings, questions, strict=True) if q.gold]
    if not answerable:
        return RetrievalScores(0, 0.0, 0.0, 0.0)
    recall_1 = recall_5 = average_precision = 0.0
    for ranking, question in answerable:
        relevant = [item in question.gold for item in ranking[:CUTOFF]]
        recall_1 += any(relevant[:1])
        recall_5 += any(relevant[:5])
        found = 0
        precision_sum = 0.0
        for rank, is_gold in enumerate(relevant, 1):
            if is_gold:
                found += 1
                precision_sum += found / rank
        average_precision += precision_sum / min(len(question.gold), CUTOFF)
    count = len(answerable)
    return RetrievalScores(count, recall_1 / count, recall_5 / count, average_precision / count)


def embed_questions(embedder: Embedder, questions: Sequence[EvalQuestion]) -> Vectors:
    """Query vectors of every question, in batches, once for all the retrievers compared."""
    batches = [
        embedder.embed_queries([q.question for q in questions[first : first + _BATCH]])
        for first in range(0, len(questions), _BATCH)
    ]
    return np.concatenate(batches) if batches else np.zeros((0, embedder.dimension), np.float32)


def rank_questions(
    searcher: Searcher, questions: Sequence[EvalQuestion], queries: Vectors | None = None
) -> list[list[tuple[str, int]]]:
    """The top ``CUTOFF`` (source, paragraph) pairs for every question."""
    if queries is None:
        queries = embed_questions(searcher.embedder, questions)
    results = searcher.search_many([q.question for q in questions], CUTOFF, queries)
    return [_pairs(hits) for hits in results]


def _pairs(hits: list[Hit]) -> list[tuple[str, int]]:
    """(source, paragraph) of each hit, each paragraph once, in rank order."""
    return list(dict.fromkeys((hit.passage.source, hit.passage.paragraph) for hit in hits))


def read_question_set(path: Path) -> list[EvalQuestion]:
    """Reads JSON Lines of ``{"question", "language", "gold": [{"source", "paragraph"}]}``."""
    questions = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise BriefingError(f"cannot read question set {path}: {error.strerror}") from error
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            gold = frozenset((g["source"], int(g["paragraph"])) for g in row.get("gold", []))
            questions.append(EvalQuestion(row["question"], gold, row.get("language", "")))
        except (ValueError, KeyError, TypeError) as error:
            raise BriefingError(
                f"{path}:{number}: not a question line ({error}); expected "
                '{"question": str, "language": str, "gold": [{"source": str, "paragraph": int}]}'
            ) from error
    return questions


def prepare_xquad(
    data_dir: Path,
    pool: Sequence[str],
    question_language: str,
    limit: int | None,
    articles: Collection[int] | None = None,
) -> tuple[dict[str, str], list[EvalQuestion]]:
    """The pool's paragraphs as files (path → text) and the questions with their gold files,
    of ``articles`` only where given (paragraphs keep their numbers in the whole set)."""
    files: dict[str, str] = {}
    gold: dict[str, set[tuple[str, int]]] = {}
    for language in pool:
        for number, paragraph in _numbered(data_dir, language, articles):
            source = f"{language}/{number:04d}.txt"
            files[source] = paragraph["context"]
            for qa in paragraph["qas"]:
                gold.setdefault(qa["id"], set()).add((source, 1))
    questions = [
        EvalQuestion(qa["question"], frozenset(gold.get(qa["id"], ())), question_language)
        for _, paragraph in _numbered(data_dir, question_language, articles)
        for qa in paragraph["qas"]
    ]
    return files, questions[:limit] if limit else questions


def _numbered(
    data_dir: Path, language: str, articles: Collection[int] | None
) -> Iterator[tuple[int, dict[str, Any]]]:
    number = 0
    for article, paragraphs in enumerate(read_articles(data_dir, language)):
        for paragraph in paragraphs:
            if articles is None or article in articles:
                yield number, paragraph
            number += 1


def default_xquad_dir() -> Path:
    """``../shared/eval/xquad-r`` beside the repository (or the working folder)."""
    candidates = [
        Path.cwd().parent / "shared" / "eval" / "xquad-r",
        Path(__file__).resolve().parents[2] / "shared" / "eval" / "xquad-r",
    ]
    return next((path for path in candidates if path.is_dir()), candidates[0])


def read_articles(data_dir: Path, language: str) -> list[list[dict[str, Any]]]:
    """The articles of one XQuAD-R language, each a list of paragraphs."""
    path = data_dir / f"{language}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BriefingError(
            f"no XQuAD-R file {path}: pass --data with the folder of xquad-r/*.json"
        ) from error
    return [article["paragraphs"] for article in data["data"]]


def evaluate_xquad(
    data_dir: Path,
    pool: Sequence[str],
    question_language: str,
    work_dir: Path,
    embedder: Embedder,
    modes: Sequence[RetrievalMode],
    limit: int | None = None,
    fusion: FusionParams | None = None,
    progress: bool = False,
    articles: Collection[int] | None = None,
) -> dict[str, RetrievalScores]:
    """Scores each retrieval mode on XQuAD-R; embeddings are cached in ``work_dir``."""
    files, questions = prepare_xquad(data_dir, pool, question_language, limit, articles)
    index = xquad_index(files, pool, work_dir, embedder, progress)
    return {
        mode: score_rankings(
            rank_questions(Searcher(index, embedder, mode, fusion), questions), questions
        )
        for mode in modes
    }


def xquad_index(
    files: dict[str, str],
    pool: Sequence[str],
    work_dir: Path,
    embedder: Embedder,
    progress: bool = False,
) -> StoredIndex:
    """The index of XQuAD-R paragraphs ``files``, kept in ``work_dir`` per model and pool."""
    pool_name = "-".join(pool)
    seeds = work_dir / f"pool-{pool_name}"
    for source, text in files.items():
        path = seeds / source
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for path in seeds.rglob("*.txt"):  # paragraphs of an earlier run's other articles
        if path.relative_to(seeds).as_posix() not in files:
            path.unlink()
    # An index per model and pool, rebuilt incrementally: a second run embeds nothing.
    model_slug = re.sub(r"[^\w.-]+", "_", embedder.name)
    index_dir = work_dir / f"index-{model_slug}-{pool_name}"
    build_index(seeds, index_dir, embedder, progress=progress)
    return load_index(index_dir, expected_model=embedder.name)


@dataclass(frozen=True, slots=True)
class AbstentionScores:
    """How often the answer pipeline abstains wrongly, at its threshold and at the best one."""

    threshold: float
    quoted_threshold: float
    answerable: int
    wrongly_abstained: int
    unanswerable: int
    wrongly_answered: int
    best_threshold: float
    best_errors: int

    def as_dict(self) -> dict[str, float | int]:
        """The figures, for printing."""
        return {
            "threshold": round(self.threshold, 4),
            "quoted_threshold": round(self.quoted_threshold, 4),
            "answerable": self.answerable,
            "wrongly_abstained": self.wrongly_abstained,
            "unanswerable": self.unanswerable,
            "wrongly_answered": self.wrongly_answered,
            "calibrated_threshold": round(self.best_threshold, 4),
            "errors_at_calibrated": self.best_errors,
        }


def evaluate_answers(
    pipeline: Pipeline, questions: Sequence[EvalQuestion]
) -> tuple[RetrievalScores, AbstentionScores]:
    """Ranking quality of the answers' citations, and abstention against the gold."""
    answers = [pipeline.answer(q.question) for q in questions]
    calibration = pipeline.answerer.calibration
    rankings = [_pairs(list(answer.hits)) for answer in answers]
    best_scores = [answer.confidence.score if answer.confidence else 0.0 for answer in answers]
    answerable = [bool(q.gold) for q in questions]
    best_threshold, best_errors = calibrate_threshold(best_scores, answerable)
    abstention = AbstentionScores(
        threshold=calibration.threshold,
        quoted_threshold=calibration.threshold - calibration.quoted,
        answerable=sum(answerable),
        wrongly_abstained=sum(
            a and not ans.found for a, ans in zip(answerable, answers, strict=True)
        ),
        unanswerable=len(questions) - sum(answerable),
        wrongly_answered=sum(
            ans.found and not a for a, ans in zip(answerable, answers, strict=True)
        ),
        best_threshold=best_threshold,
        best_errors=best_errors,
    )
    return score_rankings(rankings, questions), abstention


def calibrate_threshold(scores: Sequence[float], answerable: Sequence[bool]) -> tuple[float, int]:
    """The threshold with the fewest errors (ties: fewest wrong abstentions), and its errors.

    The threshold is put halfway between neighbouring scores, so it does not sit on a
    development question's own score.
    """
    ordered = sorted(set(scores))
    candidates = [ordered[0] - 0.01] + [(a + b) / 2 for a, b in itertools.pairwise(ordered)]
    best: tuple[int, int, float] | None = None
    for threshold in candidates:
        abstained = sum(s < threshold and a for s, a in zip(scores, answerable, strict=True))
        answered = sum(s >= threshold and not a for s, a in zip(scores, answerable, strict=True))
        key = (abstained + answered, abstained, threshold)
        best = key if best is None or key < best else best
    assert best is not None
    return best[2], best[0]
