"""The digest and follow part of ``briefing-index bench``: a large dated briefing, no embedding.

Embedding 10,000 passages takes minutes here, and the digest and the follow check read stored
vectors only. So the synthetic briefing the bench built (real vectors of real sentences) is
tiled: each copy of an article gets a date in the 30 days up to the newest, and its passage and
sentence vectors a random offset (``_OFFSETS``), as another agency's copy of the story would.
"""

from __future__ import annotations

import datetime
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from index.answering.digest import make_digest, read_period
from index.embedding.models import Embedder
from index.follows import FollowStore, check_follows
from index.pipeline import Pipeline
from index.records import Article, Passage
from index.retrieval.dating import Dating
from index.store.folder import StoredIndex, load_index, write_index
from index.store.manifest import Manifest

COPIES = 5
DAYS = 30
NEWEST = datetime.date(2026, 3, 31)
# Per dimension, by copy: copies of a passage keep a cosine of about 0.98 to 0.69 with the
# original, so that of the copies of a story one is clearly nearest, as when agencies rewrite
# one another to different degrees (equally near copies would each stand in the others' way).
_OFFSETS = (0.0, 0.01, 0.02, 0.03, 0.04)
FOLLOWED_TOPICS = 20
NEW_ARTICLES = 50


@dataclass(frozen=True, slots=True)
class DigestFigures:
    """What the digest and a follow check cost on the tiled briefing."""

    articles: int
    passages: int
    week_articles: int
    week_stories: int
    week_seconds: float
    all_stories: int
    all_seconds: float
    new_passages: int
    topics: int
    follow_seconds: float


def measure_digest(
    source: StoredIndex, embedder: Embedder, topics: list[str], passages: int = 10_000
) -> DigestFigures:
    """The week's and the whole briefing's digest, computed cold, and the follow check after a
    rebuild that added ``NEW_ARTICLES`` articles (a fifth of a small briefing), with
    ``FOLLOWED_TOPICS`` topics followed."""
    with tempfile.TemporaryDirectory(prefix="briefing-digest-bench-") as scratch:
        folder = Path(scratch)
        articles, rows, vectors, sentences = _tiled(source, passages)
        arriving = max(1, min(NEW_ARTICLES, len(articles) // 5))
        before = articles[:-arriving]
        old_index = _write(folder / "before", source, before, rows, vectors, sentences)
        index = _write(folder / "index", source, articles, rows, vectors, sentences)
        newest = Dating(index).newest
        week, everything = read_period("week", newest), read_period("all", newest)
        assert week is not None and everything is not None
        started = time.perf_counter()
        week_digest = make_digest(index, week)
        week_seconds = time.perf_counter() - started
        started = time.perf_counter()
        all_digest = make_digest(index, everything)
        all_seconds = time.perf_counter() - started
        store = FollowStore(folder / "follows.sqlite3")
        check_follows(old_index, store, Pipeline.over(old_index, embedder).latest)  # baseline
        for n, topic in enumerate(topics[:FOLLOWED_TOPICS]):
            store.follow(n + 1, topic)
        pipeline = Pipeline.over(index, embedder)
        new = len(store.unseen(index)[0])
        started = time.perf_counter()
        check_follows(index, store, pipeline.latest)
        follow_seconds = time.perf_counter() - started
    return DigestFigures(
        articles=len(index.articles),
        passages=len(index.passages),
        week_articles=sum(1 for a in index.articles.values() if week.covers(a)),
        week_stories=len(week_digest.stories),
        week_seconds=round(week_seconds, 3),
        all_stories=len(all_digest.stories),
        all_seconds=round(all_seconds, 3),
        new_passages=new,
        topics=min(FOLLOWED_TOPICS, len(topics)),
        follow_seconds=round(follow_seconds, 3),
    )


Tiled = tuple[list[Article], dict[str, list[Passage]], dict[str, np.ndarray], dict[str, np.ndarray]]


def _tiled(source: StoredIndex, passages: int) -> Tiled:
    """``COPIES`` dated copies of the source's articles, up to about ``passages`` passages."""
    rng = np.random.default_rng(0)
    originals = list(source.articles.values())
    by_source: dict[str, list[Passage]] = {}
    for passage in source.passages:
        by_source.setdefault(passage.source, []).append(passage)
    articles: list[Article] = []
    rows: dict[str, list[Passage]] = {}
    vectors: dict[str, np.ndarray] = {}
    sentences: dict[str, np.ndarray] = {}
    count = 0
    for copy in range(COPIES):
        for number, article in enumerate(originals):
            if count >= passages:
                break
            date = NEWEST - datetime.timedelta(days=(number + copy) % DAYS)
            name = f"copy-{copy}/{article.source}"
            articles.append(
                replace(article, source=name, date=date.isoformat(), agency=f"Agency {copy}")
            )
            own = by_source[article.source]
            ids = np.array([p.id for p in own], dtype=np.int64)
            rows[name] = own
            vectors[name] = _offset(source.passage_vectors(ids), _OFFSETS[copy], rng)
            sentences[name] = _offset(source.sentence_vectors_of(ids), _OFFSETS[copy], rng)
            count += len(own)
    # The newest articles last, so that leaving the last out is a briefing before they came.
    articles.sort(key=lambda a: (a.date or "", a.source))
    return articles, rows, vectors, sentences


def _offset(rows: np.ndarray, scale: float, rng: np.random.Generator) -> np.ndarray:
    moved = rows + rng.normal(0.0, scale, rows.shape).astype(np.float32)
    unit: np.ndarray = (moved / np.linalg.norm(moved, axis=1, keepdims=True)).astype(np.float32)
    return unit


def _write(
    folder: Path,
    source: StoredIndex,
    articles: list[Article],
    rows: dict[str, list[Passage]],
    vectors: dict[str, np.ndarray],
    sentences: dict[str, np.ndarray],
) -> StoredIndex:
    passages: list[Passage] = []
    for article in articles:
        for passage in rows[article.source]:
            passages.append(replace(passage, id=len(passages), source=article.source))
    names = [a.source for a in articles]
    manifest: Manifest = replace(
        source.manifest,
        sources={a.source: a.sha256 for a in articles},
        articles=len(articles),
        passages=len(passages),
        sentences=sum(len(p.sentences) for p in passages),
        skipped={},
    )
    write_index(
        folder,
        manifest,
        articles,
        passages,
        np.concatenate([vectors[name] for name in names]),
        np.concatenate([sentences[name] for name in names]),
    )
    return load_index(folder)
