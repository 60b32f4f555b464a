"""Synthetic briefings for the bench: many articles made of a real briefing's sentences.

Embedding cost depends on how long texts are and in which language, not on whether they make
sense together, so articles whose paragraphs recombine a real briefing's sentences cost what
real articles of the same languages and lengths cost. Every article is new text, so a build
of them embeds every passage.
"""

from __future__ import annotations

import random
from pathlib import Path

from index.records import Passage
from index.store.folder import StoredIndex

PARAGRAPHS_PER_ARTICLE = 10


def write_synthetic_briefing(
    source: StoredIndex, folder: Path, passages: int, seed: int = 0
) -> list[Path]:
    """Writes about ``passages`` one-paragraph passages of articles into ``folder``.

    Each paragraph takes two to four sentences of one article of ``source`` (so it keeps that
    article's language), in a random order. Returns the files written.
    """
    pools = _sentences_by_article(source.passages)
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for number in range(-(-passages // PARAGRAPHS_PER_ARTICLE)):
        pool = pools[number % len(pools)]
        count = min(PARAGRAPHS_PER_ARTICLE, passages - number * PARAGRAPHS_PER_ARTICLE)
        paragraphs = [_paragraph(pool, rng) for _ in range(count)]
        path = folder / f"synthetic-{number:05d}.txt"
        path.write_text("\n\n".join(paragraphs) + "\n", "utf-8")
        files.append(path)
    return files


def _sentences_by_article(passages: list[Passage]) -> list[list[str]]:
    by_source: dict[str, list[str]] = {}
    for passage in passages:
        sentences = [" ".join(passage.excerpt(a, b).split()) for a, b in passage.sentences]
        by_source.setdefault(passage.source, []).extend(s for s in sentences if s)
    return [pool for pool in by_source.values() if pool]


def _paragraph(pool: list[str], rng: random.Random) -> str:
    return " ".join(rng.sample(pool, min(len(pool), rng.randint(2, 4))))
