"""``briefing-index``: build, inspect and search the briefing index."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from index.articles.ingest import find_article_files
from index.build import BuildReport, build_index
from index.config import IndexSettings
from index.embedding import onnx_export
from index.embedding.models import LazyEmbedder, load_embedder, resolve_model
from index.errors import BriefingError
from index.feedback import (
    DEFAULT_LIMIT,
    FeedbackStore,
    Verdict,
    feedback_path,
    format_feedback,
)
from index.logs import configure_logging, run_command
from index.quality.bench import (
    DEFAULT_CONCURRENCY,
    DEFAULT_DIGEST_PASSAGES,
    DEFAULT_PASSAGES,
    DEFAULT_SCALE_SIZES,
    BenchPlan,
    format_report,
    run_bench,
)
from index.quality.eval_command import add_eval_parser, positive, run_eval
from index.quality.evaluation import (
    read_question_set,
)
from index.records import Hit
from index.retrieval.search import RETRIEVAL_MODES, Searcher
from index.store.folder import load_index


def main(argv: Sequence[str] | None = None) -> int:
    """Runs ``briefing-index``; returns the exit status."""
    return run_command("briefing-index", lambda: _run(_parser().parse_args(argv)))


def _run(args: argparse.Namespace) -> int:
    settings = IndexSettings.from_env()
    configure_logging(settings.log_level)
    if getattr(args, "index", None):
        settings = replace(settings, index_dir=args.index)
    commands = {
        "build": _build,
        "info": _info,
        "search": _search,
        "eval": lambda args, settings: run_eval(args, settings, load_embedder),
        "bench": _bench,
        "feedback": _feedback,
        "model": _model,
    }
    return commands[args.command](args, settings)


def _parser() -> argparse.ArgumentParser:
    # Not the module docstring: --help shows reStructuredText's ``quotes`` as they are.
    parser = argparse.ArgumentParser(
        prog="briefing-index",
        description="briefing-index: build, inspect and search the briefing index.",
    )
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
    search.add_argument("--k", type=positive, default=5, help="passages to show (default 5)")
    search.add_argument("--json", action="store_true", help="one JSON object per question")
    search.add_argument("--mode", choices=RETRIEVAL_MODES, default="hybrid", help="retriever")
    add_eval_parser(commands)
    model = commands.add_parser(
        "model", help="make the embedding model's files on this machine (once) and check them"
    )
    model.add_argument(
        "--remake", action="store_true", help="make the ONNX file again, even if it checks"
    )
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
    bench.add_argument("--rounds", type=positive, default=3, help="times each question is asked")
    bench.add_argument(
        "--passages",
        type=positive,
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
    bench.add_argument(
        "--digest-passages",
        type=int,
        default=DEFAULT_DIGEST_PASSAGES,
        help="passages of the dated briefing the digest and the follow check are timed on, "
        f"or 0 to skip (default {DEFAULT_DIGEST_PASSAGES})",
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
        "--limit", type=positive, default=DEFAULT_LIMIT, help="the newest N only (default 100)"
    )


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
    embedder = LazyEmbedder(
        settings.embedding_model, lambda name: load_embedder(name, settings.embedding_engine)
    )
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


def _model(args: argparse.Namespace, settings: IndexSettings) -> int:
    folder = Path(resolve_model(settings.embedding_model))
    print(f"Model   {settings.embedding_model}")
    print(f"Folder  {folder}")
    if settings.embedding_engine == "torch" or not onnx_export.supports(folder):
        why = "EMBEDDING_ENGINE=torch" if settings.embedding_engine == "torch" else "not BERT"
        print(f"Engine  sentence-transformers ({why}): no ONNX file")
        return 0
    files = onnx_export.export_onnx(folder) if args.remake else onnx_export.checked_onnx(folder)
    size = sum(path.stat().st_size for path, _ in files.checked) / 2**20
    print(f"ONNX    {files.model}, 8-bit, {size:.1f} MiB, checksum verified")
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
    searcher = Searcher(
        index, load_embedder(settings.embedding_model, settings.embedding_engine), mode=args.mode
    )
    for question in questions_from(args.question):
        hits = searcher.search(question, k=args.k)
        print(_hits_json(question, hits) if args.json else hits_text(question, hits), flush=True)
        if not hits and args.mode == "lexical":  # a dense ranking always has hits
            print(
                f'briefing-index: no passage shares a word with "{question}": lexical search '
                "matches words, not meaning: try --mode hybrid",
                file=sys.stderr,
            )
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


def _bench(args: argparse.Namespace, settings: IndexSettings) -> int:
    questions = [q.question for q in read_question_set(args.questions)]
    if not questions:
        raise BriefingError(f"no questions in {args.questions}")
    embedder = load_embedder(settings.embedding_model, settings.embedding_engine)
    plan = BenchPlan(
        rounds=args.rounds,
        passages=args.passages,
        concurrency=tuple(args.concurrency),
        scale_sizes=tuple(args.scale),
        digest_passages=args.digest_passages,
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
