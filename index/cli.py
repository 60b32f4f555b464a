"""``briefing-index``: build, inspect and search the briefing index."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import cast

from index.answers import Answerer
from index.bench import (
    DEFAULT_CONCURRENCY,
    DEFAULT_PASSAGES,
    DEFAULT_SCALE_SIZES,
    BenchPlan,
    format_report,
    run_bench,
)
from index.build import BuildReport, build_index
from index.config import IndexSettings
from index.embedding import Embedder, LazyEmbedder, load_embedder
from index.errors import BriefingError
from index.evaluation import (
    AbstentionScores,
    EvalQuestion,
    RetrievalScores,
    default_xquad_dir,
    embed_questions,
    evaluate_answers,
    evaluate_xquad,
    prepare_xquad,
    rank_questions,
    read_question_set,
    score_rankings,
    xquad_index,
)
from index.feedback import (
    DEFAULT_LIMIT,
    FeedbackStore,
    Verdict,
    feedback_path,
    format_feedback,
)
from index.ingest import find_article_files
from index.logs import configure_logging
from index.records import Hit
from index.regression import (
    DEFAULT_TOLERANCE,
    GATED_MODES,
    Baseline,
    eval_folder,
    find_regressions,
    question_sets,
    read_baseline,
    write_baseline,
)
from index.search import RETRIEVAL_MODES, RetrievalMode, Searcher
from index.store import StoredIndex, load_index
from index.stories import calibrate


def main(argv: Sequence[str] | None = None) -> int:
    """Runs ``briefing-index``; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = IndexSettings.from_env()
        configure_logging(settings.log_level)
        if getattr(args, "index", None):
            settings = replace(settings, index_dir=args.index)
        commands = {
            "build": _build,
            "info": _info,
            "search": _search,
            "eval": _eval,
            "bench": _bench,
            "feedback": _feedback,
        }
        command = commands[args.command]
        return command(args, settings)
    except BriefingError as error:
        print(f"briefing-index: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="briefing-index", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="(re)build the index from the seeds folder")
    build.add_argument(
        "--seeds", type=Path, help="articles folder (default: $BRIEFING_SEEDS_DIR or seeds/)"
    )
    build.add_argument(
        "--out",
        "--index",
        dest="index",
        type=Path,
        help="index folder (default: $BRIEFING_INDEX_DIR or var/index)",
    )
    build.add_argument(
        "--full", action="store_true", help="re-embed every article, not only changed ones"
    )
    info = commands.add_parser("info", help="show what the index holds and how it was built")
    info.add_argument("--index", type=Path, help="index folder")
    info.add_argument("--json", action="store_true", help="print the manifest as JSON")
    search = commands.add_parser("search", help="the passages closest to a question")
    search.add_argument(
        "question", nargs="?", help="the question (default: one per line from standard input)"
    )
    search.add_argument("--index", type=Path, help="index folder")
    search.add_argument("--k", type=_positive, default=5, help="passages to show (default 5)")
    search.add_argument("--json", action="store_true", help="one JSON object per question")
    search.add_argument("--mode", choices=RETRIEVAL_MODES, default="hybrid", help="retriever")
    _add_eval_parser(commands)
    bench = commands.add_parser("bench", help="measure speed and memory on this machine")
    bench.add_argument(
        "--seeds", type=Path, help="articles to build and ask about (default: seeds)"
    )
    bench.add_argument(
        "--questions",
        type=Path,
        default=Path("seeds/.eval/seed_questions.jsonl"),
        help="question set",
    )
    bench.add_argument("--rounds", type=_positive, default=3, help="times each question is asked")
    bench.add_argument(
        "--passages",
        type=_positive,
        default=DEFAULT_PASSAGES,
        help=f"passages of the synthetic briefing built (default {DEFAULT_PASSAGES})",
    )
    bench.add_argument(
        "--concurrency",
        type=_sizes,
        default=DEFAULT_CONCURRENCY,
        help="questions in flight, comma-separated (default 1,10,50)",
    )
    bench.add_argument(
        "--scale",
        type=_sizes,
        default=DEFAULT_SCALE_SIZES,
        help="synthetic vector set sizes for the index kinds, comma-separated, or 0 to skip "
        "(default 10000,100000,1000000)",
    )
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")
    _add_feedback_parser(commands)
    return parser


def _add_feedback_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    feedback = commands.add_parser(
        "feedback", help="the answers readers marked 👎 (with --all, 👍 too), newest first"
    )
    feedback.add_argument("--all", action="store_true", help="list 👍 as well as 👎")
    feedback.add_argument("--json", action="store_true", help="one JSON object per answer")
    feedback.add_argument(
        "--index", type=Path, help="index folder, the feedback database is beside it"
    )
    feedback.add_argument(
        "--limit", type=_positive, default=DEFAULT_LIMIT, help="the newest N only (default 100)"
    )


def _add_eval_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    evaluate = commands.add_parser(
        "eval", help="retrieval quality on XQuAD-R ('xquad') or on a question set (a file)"
    )
    evaluate.add_argument(
        "target",
        nargs="?",
        help="'xquad', 'stories' (calibrates same-story detection on XQuAD-R), a JSON Lines "
        "question set, or a folder of them "
        "(default: the briefing's own, <seeds>/.eval, compared with its baseline)",
    )
    evaluate.add_argument(
        "--update-baseline",
        action="store_true",
        help="record this run's Recall@1 as the folder's baseline",
    )
    evaluate.add_argument("--pool", default="de,ru", help="XQuAD-R languages to search in")
    evaluate.add_argument("--questions", default="en", help="XQuAD-R language of the questions")
    evaluate.add_argument("--limit", type=_positive, help="use only the first N questions")
    evaluate.add_argument("--data", type=Path, help="folder of xquad-r/*.json")
    evaluate.add_argument("--work", type=Path, default=Path("var/eval"), help="embedding cache")
    evaluate.add_argument("--index", type=Path, help="index folder (question sets)")
    evaluate.add_argument(
        "--modes", default=",".join(RETRIEVAL_MODES), help="retrievers to compare, comma-separated"
    )
    evaluate.add_argument("--json", action="store_true", help="print the figures as JSON")


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def _sizes(value: str) -> tuple[int, ...]:
    """Comma-separated positive numbers (``10000,100000``); ``0`` alone for none."""
    try:
        sizes = tuple(int(part.replace("_", "")) for part in value.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("must be numbers separated by commas") from None
    if sizes == (0,):
        return ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("must be numbers of 1 or more, or 0 for none")
    return sizes


def _build(args: argparse.Namespace, settings: IndexSettings) -> int:
    seeds_dir = args.seeds or settings.seeds_dir
    find_article_files(seeds_dir)  # a missing folder is reported before the model loads
    embedder = LazyEmbedder(settings.embedding_model, load_embedder)
    report = build_index(
        seeds_dir,
        settings.index_dir,
        embedder,
        full=args.full,
        progress=sys.stderr.isatty(),
        backend=settings.vector_backend(),
    )
    print(_summary(report))
    return 0


def _summary(report: BuildReport) -> str:
    duplicates = len(report.duplicates)
    of_which = f" ({duplicates} duplicate{'s' if duplicates > 1 else ''})" if duplicates else ""
    skipped = f", {len(report.skipped)} skipped{of_which}" if report.skipped else ""
    if not report.written:
        return (
            f"Index {report.index_dir} is up to date: {report.articles} articles, "
            f"{report.passages} passages{skipped}"
        )
    return (
        f"Built {report.index_dir}: {report.articles} articles, {report.passages} passages"
        f"{skipped}; embedded {report.embedded}, reused {report.reused}; "
        f"{report.seconds:.1f} s, {report.passages_per_second:.1f} passages/s"
    )


def _info(args: argparse.Namespace, settings: IndexSettings) -> int:
    index = load_index(settings.index_dir, backend=settings.vector_backend())
    manifest = index.manifest
    if args.json:
        print(manifest.to_json(), end="")
        return 0
    print(f"Index       {index.path}")
    took = f"{manifest.build_seconds:.1f} s"
    print(f"Built       {manifest.built_at} in {took} (format {manifest.format_version})")
    print(f"Model       {manifest.model} ({manifest.dimension} dimensions)")
    for label, store in (("Passages", index.passage_store), ("Sentences", index.sentence_store)):
        print(f"{label:<11} {store.size} vectors in {manifest.vector_store}: {store.describe()}")
    print(f"Chunking    paragraphs; split at sentences above {manifest.chunking.max_words} words")
    print(f"Contents    {manifest.articles} articles, {manifest.passages} passages")
    for article in index.articles.values():
        count = sum(1 for p in index.passages if p.source == article.source)
        when = article.date or "no date"
        print(
            f"  {article.source}  [{article.language}, {when}, {count} passages]  {article.title}"
        )
    for source, reason in manifest.skipped.items():
        print(f"  skipped {source}: {reason}")
    return 0


def _search(args: argparse.Namespace, settings: IndexSettings) -> int:
    index = load_index(
        settings.index_dir,
        expected_model=settings.embedding_model,
        backend=settings.vector_backend(),
    )
    searcher = Searcher(index, load_embedder(settings.embedding_model), mode=args.mode)
    for question in questions_from(args.question):
        hits = searcher.search(question, k=args.k)
        print(_hits_json(question, hits) if args.json else hits_text(question, hits), flush=True)
    return 0


def questions_from(question: str | None) -> Iterator[str]:
    """The question given, or one question per non-blank line of standard input."""
    lines = [question] if question is not None else sys.stdin
    for line in lines:
        if line.strip():
            yield line.strip()


def _hits_json(question: str, hits: list[Hit]) -> str:
    return json.dumps(
        {"question": question, "hits": [h.as_json() for h in hits]}, ensure_ascii=False
    )


def hits_text(question: str, hits: list[Hit]) -> str:
    lines = [f"Q: {question}"]
    for rank, hit in enumerate(hits, 1):
        date = f", {hit.article.date}" if hit.article.date else ""
        lines.append(
            f"{rank:2}. {hit.score:.3f}  {hit.article.title}{date}"
            f" · paragraph {hit.passage.paragraph}"
            f" · {hit.passage.source} [{hit.passage.start}:{hit.passage.end}]"
        )
        lines.extend(
            textwrap.wrap(
                hit.passage.text, width=96, initial_indent="    ", subsequent_indent="    "
            )
        )
    return "\n".join(lines) + "\n"


def _eval(args: argparse.Namespace, settings: IndexSettings) -> int:
    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    unknown = [mode for mode in modes if mode not in RETRIEVAL_MODES]
    if unknown or not modes:
        raise BriefingError(f"--modes takes {', '.join(RETRIEVAL_MODES)}, not {args.modes!r}")
    checked = cast(list[RetrievalMode], modes)
    if args.target == "xquad":
        pool = [language.strip() for language in args.pool.split(",") if language.strip()]
        embedder = load_embedder(settings.embedding_model)
        data = args.data or default_xquad_dir()
        scores = evaluate_xquad(
            data, pool, args.questions, args.work, embedder, checked, args.limit
        )
        _print_scores(f"XQuAD-R {args.questions} → {','.join(pool)}", embedder.name, scores, args)
        return 0
    if args.target == "stories":
        return _calibrate_stories(args, settings)
    target = Path(args.target) if args.target else eval_folder(settings.seeds_dir)
    sets = question_sets(target) if target.is_dir() else [target]
    index = load_index(
        settings.index_dir,
        expected_model=settings.embedding_model,
        backend=settings.vector_backend(),
    )
    embedder = load_embedder(settings.embedding_model)
    measured: dict[str, dict[str, float]] = {}
    for path in sets:
        questions = read_question_set(path)[: args.limit]
        scores, abstention = _question_set_scores(index, embedder, questions, checked)
        _print_scores(f"question set {path}", embedder.name, scores, args, abstention)
        measured[path.name] = {mode: score.recall_at_1 for mode, score in scores.items()}
    return _gate(target, embedder.name, measured, args) if target.is_dir() else 0


def _calibrate_stories(args: argparse.Namespace, settings: IndexSettings) -> int:
    """Precision and recall of "same story" on XQuAD-R, whose paragraphs are translations."""
    pool = [language.strip() for language in args.pool.split(",") if language.strip()]
    embedder = load_embedder(settings.embedding_model)
    files, _ = prepare_xquad(args.data or default_xquad_dir(), pool, args.questions, None)
    index = xquad_index(files, pool, args.work, embedder)
    rows = calibrate(index, lambda a, b: a.split("/")[1] == b.split("/")[1])
    if args.json:
        print(json.dumps({"eval": "stories", "pool": pool, "rows": [asdict(r) for r in rows]}))
        return 0
    print(f"same story on XQuAD-R {','.join(pool)} (translations), model {embedder.name}")
    print(f"{'alignment':>9} {'gap':>5} {'precision':>9} {'recall':>7}")
    for row in rows:
        print(f"{row.floor:>9.2f} {row.gap:>5.2f} {row.precision:>9.3f} {row.recall:>7.3f}")
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
    scores["answer"], abstention = evaluate_answers(Answerer(Searcher(index, embedder)), questions)
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


def _bench(args: argparse.Namespace, settings: IndexSettings) -> int:
    questions = [q.question for q in read_question_set(args.questions)]
    if not questions:
        raise BriefingError(f"no questions in {args.questions}")
    embedder = load_embedder(settings.embedding_model)
    plan = BenchPlan(
        rounds=args.rounds,
        passages=args.passages,
        concurrency=tuple(args.concurrency),
        scale_sizes=tuple(args.scale),
    )
    report = run_bench(embedder, args.seeds or settings.seeds_dir, questions, plan)
    print(json.dumps(report.as_dict()) if args.json else format_report(report))
    return 0


def _feedback(args: argparse.Namespace, settings: IndexSettings) -> int:
    store = FeedbackStore(feedback_path(settings.index_dir))
    if not store.exists():
        where = sys.stderr if args.json else sys.stdout  # --json prints nothing but entries
        print(f"no feedback yet ({store.path} does not exist)", file=where)
        return 0
    verdict: Verdict | None = None if args.all else "down"
    entries = store.entries(verdict, args.limit)
    for entry in entries:
        print(
            json.dumps(entry.as_json(), ensure_ascii=False) if args.json else format_feedback(entry)
        )
    if args.json:
        return 0
    total = store.count(verdict)
    shown = f"{len(entries)} of {total}" if len(entries) < total else str(total)
    marked = "marked 👍 or 👎" if args.all else "marked 👎"
    print(f"{shown} answer{'' if total == 1 else 's'} {marked}")
    if not args.all and (praised := store.count("up")):
        print(f"({praised} marked 👍: --all lists them too)")
    return 0
