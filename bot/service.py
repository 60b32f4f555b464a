"""The answer pipeline as the bot uses it: off the event loop, swapped when the index changes."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from index.answers import Answer, Answerer
from index.batching import BatchingParams, QueryBatcher
from index.build import BuildReport, build_index
from index.config import IndexSettings
from index.embedding import Embedder, load_embedder
from index.search import Searcher
from index.store import MANIFEST, StoredIndex, load_index

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Loaded:
    answerer: Answerer
    stamp: float  # manifest's modification time: a new build writes a new manifest


class BriefingService:
    """Answers questions over the newest index; one model, shared by every index version."""

    def __init__(
        self,
        settings: IndexSettings,
        embedder: Embedder | None = None,
        batching: BatchingParams | None = None,
    ) -> None:
        """Loads the model and the index; questions arriving together are embedded together.

        Raises:
            BriefingError: The model or the index cannot be loaded.
        """
        self.settings = settings
        self.embedder = embedder or load_embedder(settings.embedding_model)
        self._current = self._load()
        self.batcher = QueryBatcher(self.embedder.embed_queries, batching)
        self._swap_lock = threading.Lock()
        self._rebuild_lock = asyncio.Lock()

    @property
    def index(self) -> StoredIndex:
        """The index questions are answered from now."""
        return self._current.answerer.searcher.index

    @property
    def stamp(self) -> str:
        """Eight hex digits that change with every build; buttons carry it to detect staleness."""
        manifest = self.index.manifest
        key = f"{manifest.built_at}/{manifest.passages}/{self._current.stamp}"
        return hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:8]

    @property
    def rebuilding(self) -> bool:
        """True while ``/reindex`` runs."""
        return self._rebuild_lock.locked()

    def _load(self) -> _Loaded:
        stamp = self._manifest_stamp()
        index = load_index(
            self.settings.index_dir,
            expected_model=self.embedder.name,
            backend=self.settings.vector_backend(),
        )
        return _Loaded(Answerer(Searcher(index, self.embedder)), stamp)

    def _manifest_stamp(self) -> float:
        try:
            return (Path(self.settings.index_dir) / MANIFEST).stat().st_mtime
        except OSError:
            return 0.0

    def _refresh(self) -> Answerer:
        """The answerer of the newest complete index; questions in flight keep the old one."""
        if self._manifest_stamp() != self._current.stamp:
            with self._swap_lock:
                if self._manifest_stamp() != self._current.stamp:
                    try:
                        self._current = self._load()
                        logger.info("index reloaded: %s passages", self.index.manifest.passages)
                    except Exception:  # a broken new index must not stop the answers
                        logger.exception("new index at %s not loaded", self.settings.index_dir)
        return self._current.answerer

    async def answer(self, question: str) -> Answer:
        """Answers off the event loop, so one slow question does not hold up other chats."""
        answerer = await asyncio.to_thread(self._refresh)
        query = await self.batcher.embed(question)
        return await asyncio.to_thread(answerer.answer_embedded, question, query)

    async def close(self) -> None:
        """Stops the batching worker."""
        await self.batcher.close()

    async def reload_if_changed(self) -> StoredIndex:
        """Picks up an index rebuilt beside the bot; returns the index in use."""
        await asyncio.to_thread(self._refresh)
        return self.index

    async def rebuild(self) -> BuildReport:
        """Rebuilds the index from the seeds folder and swaps it in, without restarting.

        Raises:
            BriefingError: The seeds cannot be read or another build is running.
        """
        async with self._rebuild_lock:
            report = await asyncio.to_thread(
                build_index,
                self.settings.seeds_dir,
                self.settings.index_dir,
                self.embedder,
                backend=self.settings.vector_backend(),
            )
            await self.reload_if_changed()
            return report
