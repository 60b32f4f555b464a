"""``briefing-index eval``: quality on XQuAD-R and on question sets, and the regression gate."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

from index.config import IndexSettings
from index.embedding.models import Embedder, Engine
from index.errors import BriefingError
from index.pipeline import Pipeline, read_index
from index.quality.briefings import (
    article_range,
    evaluate_briefing,
    same_paragraph,
    share,
    story_indexes,
)
from index.quality.evaluation import (
    AbstentionScores,
    EvalQuestion,
    RetrievalScores,
    default_xquad_dir,
    embed_questions,
    evaluate_answers,
    evaluate_xquad,
    rank_questions,
    read_question_set,
    score_rankings,
)
from index.quality.regression import (
    DEFAULT_TOLERANCE,
    GATED_MODES,
    Baseline,
    eval_folder,
    find_regressions,
    question_sets,
    read_baseline,
    write_baseline,
)
from index.retrieval.search import RETRIEVAL_MODES, RetrievalMode, Searcher
from index.retrieval.stories import ACROSS_LANGUAGES, Rule, StoryMeasure, measure
from index.store.folder import StoredIndex

LoadEmbedder = Callable[[str, Engine], Embedder]


def add_eval_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    evaluate = commands.add_parser(
        "eval", help="retrieval quality on XQuAD-R ('xquad') or on a question set (a file)"
    )
    evaluate.add_argument(
        "target",
        nargs="?",
        help="'xquad', 'stories' (how same-story grouping does on XQuAD-R), a JSON Lines "
        "question set, or a folder of them "
        "(default: the briefing's own, <seeds>/.eval, compared with its baseline)",
    )
    evaluate.add_argument(
        "--update-baseline",
        action="store_true",
        help="record this run's Recall@1 as the folder's baseline",
    )
    evaluate.add_argument(
        "--pool", default="de,ru", help="XQuAD-R languages to search in (answers: de,es,ru)"
    )
    evaluate.add_argument(
        "--articles",
        default=None,
        help="the XQuAD-R articles of the briefing, e.g. 30-41 (answers, stories: default "
        "30-47; xquad: default all)",
    )
    evaluate.add_argument(
        "--off-topic", type=int, default=200, help="answers: questions of other articles to ask"
    )
    evaluate.add_argument(
        "--off-topic-from",
        default=None,
        help="answers: the articles off-topic questions come from (default: all the others)",
    )
    evaluate.add_argument("--questions", default="en", help="XQuAD-R language of the questions")
    evaluate.add_argument("--limit", type=positive, help="use only the first N questions")
    evaluate.add_argument("--data", type=Path, help="folder of xquad-r/*.json")
    evaluate.add_argument("--work", type=Path, default=Path("var/eval"), help="embedding cache")
    evaluate.add_argument("--index", type=Path, help="index folder (question sets)")
    evaluate.add_argument(
        "--modes", default=",".join(RETRIEVAL_MODES), help="retrievers to compare, comma-separated"
    )
    evaluate.add_argument("--json", action="store_true", help="print the figures as JSON")


def positive(value: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def run_eval(args: argparse.Namespace, settings: IndexSettings, load_embedder: LoadEmbedder) -> int:
    """Runs ``briefing-index eval``; ``load_embedder`` loads the model by name."""
    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    unknown = [mode for mode in modes if mode not in RETRIEVAL_MODES]
    if unknown or not modes:
        raise BriefingError(f"--modes takes {', '.join(RETRIEVAL_MODES)}, not {args.modes!r}")
    checked = cast(list[RetrievalMode], modes)
    if args.target == "xquad":
        pool = [language.strip() for language in args.pool.split(",") if language.strip()]
        embedder = load_embedder(settings.embedding_model, settings.embedding_engine)
        data = args.data or default_xquad_dir()
        scores = evaluate_xquad(
            data,
            pool,
            args.questions,
            _work(args, settings),
            embedder,
            checked,
            args.limit,
            articles=article_range(args.articles) if args.articles else None,
        )
        _print_scores(f"XQuAD-R {args.questions} → {','.join(pool)}", embedder.name, scores, args)
        return 0
    if args.target == "stories":
        return _calibrate_stories(args, settings, load_embedder)
    if args.target == "answers":
        return _briefing_answers(args, settings, load_embedder)
    target = Path(args.target) if args.target else eval_folder(settings.seeds_dir)
    sets = question_sets(target) if target.is_dir() else [target]
    index = read_index(settings, settings.embedding_model)
    embedder = load_embedder(settings.embedding_model, settings.embedding_engine)
    measured: dict[str, dict[str, float]] = {}
    for path in sets:
        questions = read_question_set(path)[: args.limit]
        scores, abstention = _question_set_scores(index, embedder, questions, checked)
        _print_scores(f"question set {path}", embedder.name, scores, args, abstention)
        measured[path.name] = {mode: score.recall_at_1 for mode, score in scores.items()}
    return _gate(target, embedder.name, measured, args) if target.is_dir() else 0


def _calibrate_stories(
    args: argparse.Namespace, settings: IndexSettings, load_embedder: LoadEmbedder
) -> int:
    """How "same story" groups XQuAD-R's paragraphs, whose versions are translations."""
    pool = [language.strip() for language in args.pool.split(",") if language.strip()]
    articles = args.articles or "30-47"
    embedder = load_embedder(settings.embedding_model, settings.embedding_engine)
    data = args.data or default_xquad_dir()
    whole, split = story_indexes(data, pool, articles, _work(args, settings), embedder)
    rules = [Rule(floor, gap) for floor in _STORY_FLOORS for gap in _STORY_GAPS]
    there, none = measure(whole, same_paragraph, rules), measure(split, same_paragraph, rules)
    rows = [_story_row(*measured) for measured in zip(there, none, strict=True)]
    if args.json:
        print(json.dumps({"eval": "stories", "pool": pool, "articles": articles, "rows": rows}))
        return 0
    print(f"same story on XQuAD-R articles {articles}: {','.join(pool)}, model {embedder.name}")
    print(f"{'alignment':>9} {'gap':>5} {'found':>6} {'wrong':>6} {'grouped when none':>17}")
    for row in rows:
        chosen = "  (the bot's)" if Rule(row["floor"], row["gap"]) == ACROSS_LANGUAGES else ""
        print(
            f"{row['floor']:>9.2f} {row['gap']:>5.2f} {row['found']:>6.3f} {row['wrong']:>6.3f} "
            f"{row['grouped_when_none']:>17.3f}{chosen}"
        )
    return 0


_STORY_FLOORS = (0.76, 0.78, 0.80, 0.82, 0.84)
_STORY_GAPS = (0.0, 0.01, 0.02, 0.03, 0.05)


def _story_row(there: StoryMeasure, none: StoryMeasure) -> dict[str, float]:
    """Found and wrong where versions are there (the whole briefing), grouped when there is
    none (the split one)."""
    return {
        "floor": there.floor,
        "gap": there.gap,
        "found": share(there.found, there.versions),
        "wrong": share(there.wrong, there.versions),
        "grouped_when_none": share(none.grouped_without, none.without),
    }


def _briefing_answers(
    args: argparse.Namespace, settings: IndexSettings, load_embedder: LoadEmbedder
) -> int:
    """The whole answer pipeline over an XQuAD-R briefing (``index.quality.briefings``)."""
    pool = [language.strip() for language in args.pool.split(",") if language.strip()]
    articles = args.articles or "30-47"
    chosen = set(article_range(articles))
    others = args.off_topic_from or ",".join(str(a) for a in range(48) if a not in chosen)
    embedder = load_embedder(settings.embedding_model, settings.embedding_engine)
    started = time.perf_counter()
    scores, _ = evaluate_briefing(
        args.data or default_xquad_dir(),
        pool,
        args.questions,
        articles,
        others,
        args.off_topic,
        _work(args, settings),
        embedder,
    )
    seconds = time.perf_counter() - started
    if args.json:
        print(json.dumps({"eval": "answers", **scores.as_dict(), "seconds": round(seconds, 1)}))
        return 0
    print(
        f"answers on XQuAD-R articles {articles}: {','.join(pool)} "
        f"({scores.paragraphs} paragraphs a language), questions in {args.questions}, "
        f"model {embedder.name}"
    )
    print(f"answered              {scores.answered:.3f} of {scores.answerable} answerable")
    print(f"first citation right  {scores.first_citation_right:.3f}")
    if scores.off_topic:
        print(f"off-topic abstained   {scores.off_topic_abstained:.3f} of {scores.off_topic}")
    else:
        print("off-topic abstained   none asked (--off-topic 0)")
    print(f"other versions grouped {scores.other_versions_grouped:.3f}")
    print(f"{seconds:.1f} s")
    return 0


def _question_set_scores(
    index: StoredIndex,
    embedder: Embedder,
    questions: list[EvalQuestion],
    modes: list[RetrievalMode],
) -> tuple[dict[str, RetrievalScores], AbstentionScores]:
    queries = embed_questions(embedder, questions)
    scores: dict[str, RetrievalScores] = {
        mode: score_rankings(
            rank_questions(Searcher(index, embedder, mode), questions, queries), questions
        )
        for mode in modes
    }
    scores["answer"], abstention = evaluate_answers(Pipeline.over(index, embedder), questions)
    return scores, abstention


def _print_scores(
    title: str,
    model: str,
    scores: dict[str, RetrievalScores],
    args: argparse.Namespace,
    abstention: AbstentionScores | None = None,
) -> None:
    figures = {mode: score.as_dict() for mode, score in scores.items()}
    if args.json:
        report: dict[str, object] = {"eval": title, "model": model, "scores": figures}
        if abstention:
            report["abstention"] = abstention.as_dict()
        print(json.dumps(report))
        return
    print(f"{title}, model {model}")
    print(f"{'retriever':10} {'questions':>9} {'R@1':>7} {'R@5':>7} {'mAP@20':>7}")
    for mode, row in figures.items():
        print(
            f"{mode:10} {row['questions']:>9} {row['recall@1']:>7.3f} {row['recall@5']:>7.3f}"
            f" {row['mAP@20']:>7.3f}"
        )
    if abstention:
        print(_abstention_text(abstention))


def _gate(
    folder: Path, model: str, measured: dict[str, dict[str, float]], args: argparse.Namespace
) -> int:
    """Compares Recall@1 with the folder's baseline (or records it); 1 on a regression."""
    out = sys.stderr if args.json else sys.stdout
    baseline = read_baseline(folder)
    if args.update_baseline:
        tolerance = baseline.tolerance if baseline else DEFAULT_TOLERANCE
        path = write_baseline(folder, Baseline(model, tolerance, measured))
        print(f"baseline recorded in {path} for {model}", file=out)
        return 0
    if baseline is None:
        print(f"no baseline in {folder}: record one with --update-baseline", file=out)
        return 0
    if baseline.model != model:
        print(f"baseline recorded with {baseline.model}, not {model}: not compared", file=out)
        return 0
    regressions = find_regressions(baseline, measured)
    for regression in regressions:
        print(f"REGRESSION {regression} (tolerance {baseline.tolerance})", file=sys.stderr)
    if regressions:
        return 1
    print(
        f"Recall@1 of {', '.join(GATED_MODES)} within {baseline.tolerance} of the baseline "
        f"in every set of {folder}",
        file=out,
    )
    return 0


def _abstention_text(scores: AbstentionScores) -> str:
    return (
        f"abstention at thresholds {scores.threshold:.3f} (quoted speaker: "
        f"{scores.quoted_threshold:.3f}): wrongly abstained on "
        f"{scores.wrongly_abstained} of {scores.answerable} answerable questions, wrongly answered "
        f"{scores.wrongly_answered} of {scores.unanswerable} unanswerable ones; the best threshold "
        f"for the score alone is {scores.best_threshold:.3f} ({scores.best_errors} errors)"
    )


def _work(args: argparse.Namespace, settings: IndexSettings) -> Path:
    """The embedding cache of one engine: the engines' vectors differ a little, and a figure
    of one must not be computed from the other's."""
    return Path(args.work) / settings.embedding_engine
