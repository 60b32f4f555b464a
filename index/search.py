"""Finding the passages closest to a question."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.embedding import Embedder
from index.errors import IndexMismatchError
from index.records import Hit
from index.store import StoredIndex, rebuild_command


class Searcher:
    """Answers questions against one loaded index with one embedder."""

    def __init__(self, index: StoredIndex, embedder: Embedder) -> None:
        """Pairs an index with the embedder that must have built it.

        Raises:
            IndexMismatchError: The embedder is not the index's model.
        """
        if index.manifest.model != embedder.name or index.manifest.dimension != embedder.dimension:
            raise IndexMismatchError(
                f"index at {index.path} was built with {index.manifest.model!r} "
                f"({index.manifest.dimension} dimensions), not {embedder.name!r} "
                f"({embedder.dimension}): run `{rebuild_command(index.path)}`"
            )
        self.index = index
        self._embedder = embedder

    def search(self, question: str, k: int = 5) -> list[Hit]:
        """The ``k`` passages most similar to ``question``, best first."""
        return self.search_many([question], k)[0]

    def search_many(self, questions: Sequence[str], k: int = 5) -> list[list[Hit]]:
        """``search`` for several questions, embedded together."""
        if not questions:
            return []
        queries = self._embedder.embed_queries(list(questions))
        scores, ids = self.index.vectors.search(np.ascontiguousarray(queries), k)
        return [
            self._hits(row_scores, row_ids) for row_scores, row_ids in zip(scores, ids, strict=True)
        ]

    def _hits(self, scores: np.ndarray, ids: np.ndarray) -> list[Hit]:
        hits = []
        for score, passage_id in zip(scores.tolist(), ids.tolist(), strict=True):
            if passage_id < 0:  # FAISS pads with -1 when k exceeds the passages
                continue
            passage = self.index.passages[passage_id]
            hits.append(Hit(passage, self.index.articles[passage.source], float(score)))
        return hits
