"""Finding the passages that answer a question: dense search, BM25, and their fusion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from index.embedding import Embedder
from index.errors import IndexMismatchError
from index.lexical import LexicalIndex
from index.records import Hit
from index.store import StoredIndex, rebuild_command

RetrievalMode = Literal["dense", "lexical", "hybrid"]
RETRIEVAL_MODES: tuple[str, ...] = get_args(RetrievalMode)


@dataclass(frozen=True, slots=True)
class FusionParams:
    """Weighted reciprocal rank fusion of the dense and the BM25 rankings.

    Attributes:
        dense_weight: Weight of a passage's dense rank.
        lexical_weight: Weight of its BM25 rank.
        rrf_k: Rank offset; larger values flatten the difference between top ranks.
        depth: Candidates taken from each ranking before fusing.
    """

    dense_weight: float = 1.0
    lexical_weight: float = 0.5
    rrf_k: int = 60
    depth: int = 100


class Searcher:
    """Answers questions against one loaded index with one embedder."""

    def __init__(
        self,
        index: StoredIndex,
        embedder: Embedder,
        mode: RetrievalMode = "hybrid",
        fusion: FusionParams | None = None,
    ) -> None:
        """Pairs an index with the embedder that must have built it.

        Raises:
            IndexMismatchError: The embedder is not the index's model.
            ValueError: ``mode`` is not one of ``RETRIEVAL_MODES``.
        """
        if index.manifest.model != embedder.name or index.manifest.dimension != embedder.dimension:
            raise IndexMismatchError(
                f"index at {index.path} was built with {index.manifest.model!r} "
                f"({index.manifest.dimension} dimensions), not {embedder.name!r} "
                f"({embedder.dimension}): run `{rebuild_command(index.path)}`"
            )
        if mode not in RETRIEVAL_MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}: use one of {RETRIEVAL_MODES}")
        self.index = index
        self.mode = mode
        self.embedder = embedder
        self._fusion = fusion or FusionParams()
        self._lexical = LexicalIndex([p.text for p in index.passages]) if mode != "dense" else None

    def search(self, question: str, k: int = 5) -> list[Hit]:
        """The ``k`` best passages for ``question``, best first, at most one per paragraph."""
        return self.search_many([question], k)[0]

    def search_many(self, questions: Sequence[str], k: int = 5) -> list[list[Hit]]:
        """``search`` for several questions, embedded together."""
        if not questions:
            return []
        return self.search_embedded(questions, self.embedder.embed_queries(list(questions)), k)

    def search_embedded(
        self, questions: Sequence[str], queries: npt.NDArray[np.float32], k: int = 5
    ) -> list[list[Hit]]:
        """``search`` for questions whose query vectors (rows of ``queries``) are known."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        depth = min(max(self._fusion.depth, 4 * k), len(self.index.passages))
        similarities, ids = self.index.vectors.search(queries, depth)
        return [
            self._rank(question, queries[row], ids[row], similarities[row], k)
            for row, question in enumerate(questions)
        ]

    def _rank(
        self,
        question: str,
        query: npt.NDArray[np.float32],
        dense_ids: npt.NDArray[np.int64],
        dense_similarities: npt.NDArray[np.float32],
        k: int,
    ) -> list[Hit]:
        similarity = {
            int(i): float(s) for i, s in zip(dense_ids, dense_similarities, strict=True) if i >= 0
        }
        lexical = self._lexical.scores(question) if self._lexical else None
        fused: dict[int, float] = {}
        if self.mode != "lexical":
            self._add_ranks(fused, list(similarity), self._fusion.dense_weight)
        if lexical is not None:
            self._add_ranks(
                fused, _top_positive(lexical, len(dense_ids)), self._fusion.lexical_weight
            )
        ranked = sorted(fused, key=lambda passage_id: (-fused[passage_id], passage_id))
        hits: list[Hit] = []
        seen_paragraphs: set[tuple[str, int]] = set()
        for passage_id in ranked:
            passage = self.index.passages[passage_id]
            if (passage.source, passage.paragraph) in seen_paragraphs:
                continue  # one passage per paragraph keeps the top results diverse
            seen_paragraphs.add((passage.source, passage.paragraph))
            cosine = similarity.get(passage_id)
            if cosine is None:
                cosine = float(self.index.vectors.reconstruct(passage_id) @ query)
            bm25 = float(lexical[passage_id]) if lexical is not None else 0.0
            article = self.index.articles[passage.source]
            hits.append(Hit(passage, article, cosine, bm25, fused[passage_id]))
            if len(hits) == k:
                break
        return hits

    def _add_ranks(self, fused: dict[int, float], ranking: list[int], weight: float) -> None:
        for rank, passage_id in enumerate(ranking):
            fused[passage_id] = fused.get(passage_id, 0.0) + weight / (
                self._fusion.rrf_k + rank + 1
            )


def _top_positive(scores: npt.NDArray[np.float32], depth: int) -> list[int]:
    """Ids of the ``depth`` highest positive scores, best first."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > depth:
        positive = positive[np.argpartition(-scores[positive], depth - 1)[:depth]]
    return [int(i) for i in positive[np.argsort(-scores[positive], kind="stable")]]
