"""The answer pipeline, assembled in this one place.

``Pipeline`` puts the stages together over one index: the question read once
(``index.retrieval.question``), searched (``index.retrieval``), answered in the briefing's own
words (``index.answering``). Every front end gets it from here: the bot through
``index.service.BriefingService``, ``briefing-bot ask`` and ``chat`` through ``open_pipeline``,
and ``briefing-index eval`` and ``bench`` too, so what they measure is what users get.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from index.answering.answers import Answer, Answerer
from index.answering.confidence import Calibration
from index.articles.dates import TimeIntent
from index.config import IndexSettings
from index.embedding.models import Embedder, load_embedder
from index.retrieval.dating import Dating
from index.retrieval.question import Question, read_question
from index.retrieval.search import Searcher
from index.retrieval.timeline import TimelineEntry, timeline
from index.store.folder import StoredIndex, load_index


@dataclass(frozen=True, slots=True)
class Pipeline:
    """The answer pipeline over one index: read, search, date, answer, group stories."""

    searcher: Searcher
    dating: Dating
    answerer: Answerer

    @classmethod
    def over(
        cls,
        index: StoredIndex,
        embedder: Embedder,
        threshold: float | None = None,
        quoted_threshold: float | None = None,
    ) -> Pipeline:
        """The pipeline over ``index``, questions embedded by ``embedder``.

        Args:
            index: The loaded index.
            embedder: The model that built it.
            threshold: Cosine the best passage needs, other signals left out (tests); default:
                the model's calibration (``index.answering.confidence``).
            quoted_threshold: The lower cosine enough when a passage quotes the speaker asked
                about; default: ``threshold``.

        Raises:
            IndexMismatchError: The index was built with another model.
        """
        searcher = Searcher(index, embedder)
        dating = Dating(index)
        calibration = None
        if threshold is not None:
            quoted = threshold if quoted_threshold is None else min(threshold, quoted_threshold)
            calibration = Calibration(threshold, threshold - quoted)
        return cls(searcher, dating, Answerer(searcher, dating, calibration))

    @property
    def index(self) -> StoredIndex:
        """The index answered from."""
        return self.searcher.index

    @property
    def embedder(self) -> Embedder:
        """The model that embeds the questions."""
        return self.searcher.embedder

    def read(self, message: str) -> Question:
        """``message`` read once (``read_question``), its time relative to the newest article."""
        return read_question(message, self.dating.newest)

    def answer(
        self, message: str | Question, vector: npt.NDArray[np.float32] | None = None
    ) -> Answer:
        """The answer to a message as a person typed it, or to a question already read.

        Args:
            message: The message, or the question ``read`` made of it.
            vector: The question's query vector, when known (e.g. embedded in a batch).
        """
        question = message if isinstance(message, Question) else self.read(message)
        return self.answerer.answer(question, vector)

    def latest(self, topic: str) -> Answer:
        """The answer to ``topic`` that prefers the newest of passages about as good, as a
        question asking for the latest news would (followed topics)."""
        question = self.read(topic)
        latest = replace(question, time=TimeIntent(question.time.range, latest=True))
        return self.answer(latest)

    def example_questions(self, language: str) -> list[str]:
        """Three questions this briefing answers, in ``language`` where the bot speaks it."""
        return self.answerer.example_questions(language)

    def timeline(
        self, topic: str | Question, vector: npt.NDArray[np.float32] | None = None
    ) -> list[TimelineEntry]:
        """The passages on ``topic`` in date order, one sentence each (``/timeline``)."""
        question = topic if isinstance(topic, Question) else self.read(topic)
        return timeline(self.searcher, self.dating, question, vector)


def open_pipeline(settings: IndexSettings, embedder: Embedder | None = None) -> Pipeline:
    """The pipeline over the configured index; the index is read before the model is loaded,
    so a missing or damaged one is reported at once.

    Raises:
        BriefingError: The index or the model cannot be loaded.
    """
    index = read_index(settings, embedder.name if embedder else settings.embedding_model)
    return Pipeline.over(
        index, embedder or load_embedder(settings.embedding_model, settings.embedding_engine)
    )


def read_index(settings: IndexSettings, model: str) -> StoredIndex:
    """The configured index, which must have been built with ``model``.

    Raises:
        BriefingError: It is missing, damaged, or of another model.
    """
    return load_index(settings.index_dir, expected_model=model, backend=settings.vector_backend())
