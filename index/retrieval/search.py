"""Finding the passages that answer a question: dense search, BM25, and their fusion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from index.embedding.models import Embedder
from index.errors import IndexMismatchError
from index.records import Hit
from index.retrieval.lexical import LexicalIndex
from index.store.folder import StoredIndex, rebuild_command

RetrievalMode = Literal["dense", "lexical", "hybrid"]
RETRIEVAL_MODES: tuple[str, ...] = get_args(RetrievalMode)


@dataclass(frozen=True, slots=True)
class FusionParams:
    """How the dense and the lexical evidence make one score.

    The dense score of a passage is ``passage_weight`` × its cosine with the question plus
    the rest × the best cosine of one of its sentences: a passage whose one sentence answers
    is not diluted by its others. Hybrid adds ``lexical_weight`` × its BM25 score divided by
    the best BM25 score among passages of the same language, so names tip the balance where
    the dense model is unsure without favouring the question's own language.

    Attributes:
        passage_weight: Share of the whole-passage cosine in the dense score.
        lexical_weight: Weight of the language-normalized BM25 score.
        depth: Candidates taken from each of the passage, sentence and BM25 rankings.
    """

    passage_weight: float = 0.3
    lexical_weight: float = 0.01
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
        self._lexical = (
            LexicalIndex(
                [p.text for p in index.passages],
                [index.articles[p.source].language for p in index.passages],
            )
            if mode != "dense"
            else None
        )
        self._languages = sorted({a.language for a in index.articles.values()})
        self._language_of = np.array(
            [self._languages.index(index.articles[p.source].language) for p in index.passages],
            dtype=np.int64,
        )

    def embed(self, question: str) -> npt.NDArray[np.float32]:
        """The query vector of one question."""
        vector: npt.NDArray[np.float32] = self.embedder.embed_queries([question])[0]
        return vector

    def search(
        self,
        question: str,
        k: int = 5,
        vector: npt.NDArray[np.float32] | None = None,
        diverse: bool = True,
    ) -> list[Hit]:
        """The ``k`` best passages for ``question``, best first, at most one per paragraph.

        Args:
            question: The text searched for (lexically, and embedded unless ``vector``).
            k: How many passages.
            vector: The question's query vector, when known (e.g. embedded in a batch).
            diverse: False lets several passages of one paragraph in.
        """
        queries = None if vector is None else np.asarray(vector).reshape(1, -1)
        return self.search_many([question], k, queries, diverse)[0]

    def search_many(
        self,
        questions: Sequence[str],
        k: int = 5,
        queries: npt.NDArray[np.float32] | None = None,
        diverse: bool = True,
    ) -> list[list[Hit]]:
        """``search`` for several questions; ``queries`` are their query vectors (rows), or
        None to embed them together."""
        if not questions:
            return []
        if queries is None:
            queries = self.embedder.embed_queries(list(questions))
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        depth = min(max(self._fusion.depth, 4 * k), len(self.index.passages))
        _, passage_ids = self.index.passage_store.search(queries, depth)
        sentence_depth = min(depth, self.index.sentence_store.size)
        _, sentence_rows = self.index.sentence_store.search(queries, sentence_depth)
        owners = np.searchsorted(self.index.sentence_rows, sentence_rows, side="right") - 1
        owners[sentence_rows < 0] = -1
        return [
            self._rank(
                question, queries[row], np.union1d(passage_ids[row], owners[row]), k, diverse
            )
            for row, question in enumerate(questions)
        ]

    def _rank(
        self,
        question: str,
        query: npt.NDArray[np.float32],
        dense_ids: npt.NDArray[np.int64],
        k: int,
        diverse: bool,
    ) -> list[Hit]:
        lexical = self._lexical_scores(question)
        candidates = dense_ids[dense_ids >= 0] if self.mode != "lexical" else np.zeros(0, np.int64)
        if lexical is not None:
            candidates = np.union1d(candidates, _top_positive(lexical, self._fusion.depth))
        candidates = candidates.astype(np.int64)
        dense = self._dense_scores(query, candidates)
        if self.mode == "dense" or lexical is None:
            final = dense
        elif self.mode == "lexical":
            final = lexical[candidates]
        else:
            final = dense + self._fusion.lexical_weight * lexical[candidates]
        hits: list[Hit] = []
        seen_paragraphs: set[tuple[str, int]] = set()
        for position in np.argsort(-final, kind="stable"):
            passage = self.index.passages[int(candidates[position])]
            if diverse and (passage.source, passage.paragraph) in seen_paragraphs:
                continue  # one passage per paragraph keeps the top results diverse
            seen_paragraphs.add((passage.source, passage.paragraph))
            bm25 = float(lexical[passage.id]) if lexical is not None else 0.0
            article = self.index.articles[passage.source]
            hits.append(Hit(passage, article, float(dense[position]), bm25, float(final[position])))
            if len(hits) == k:
                break
        return hits

    def _dense_scores(
        self, query: npt.NDArray[np.float32], candidates: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float32]:
        """Passage cosine mixed with the best sentence cosine, for each candidate."""
        if len(candidates) == 0:
            return np.zeros(0, dtype=np.float32)
        passage_cosine = self.index.passage_vectors(candidates) @ query
        starts = self.index.sentence_rows[candidates]
        ends = self.index.sentence_rows[candidates + 1]
        sentence_cosine = self.index.sentence_vectors_of(candidates) @ query
        offsets = np.concatenate([[0], np.cumsum(ends - starts)[:-1]])
        best_sentence = np.maximum.reduceat(sentence_cosine, offsets)
        weight = self._fusion.passage_weight
        return (weight * passage_cosine + (1 - weight) * best_sentence).astype(np.float32)

    def _lexical_scores(self, question: str) -> npt.NDArray[np.float32] | None:
        """BM25 of every passage divided by the best in its language; None in dense mode."""
        if self._lexical is None:
            return None
        scores = self._lexical.scores(question)
        best = np.zeros(len(self._languages), dtype=np.float32)
        np.maximum.at(best, self._language_of, scores)
        return np.where(scores > 0, scores / np.maximum(best[self._language_of], 1e-9), 0.0).astype(
            np.float32
        )


def _top_positive(scores: npt.NDArray[np.float32], depth: int) -> npt.NDArray[np.int64]:
    """Ids of the ``depth`` highest positive scores, best first."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > depth:
        positive = positive[np.argpartition(-scores[positive], depth - 1)[:depth]]
    return positive[np.argsort(-scores[positive], kind="stable")].astype(np.int64)
