"""The answer pipeline as the bot uses it: off the event loop, swapped when the index changes.

A new index that cannot be loaded (damaged, of another model) never stops the answers: the
service keeps answering from the last index it loaded, remembers why the new one failed (logged
once per build, not once per question) and says so in ``load_problem``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from index.answering.answers import Answer, Answerer
from index.build import BuildReport, build_index
from index.config import IndexSettings
from index.embedding.batching import BatchingParams, QueryBatcher
from index.embedding.models import Embedder, load_embedder
from index.errors import BriefingError
from index.retrieval.question import read_question
from index.retrieval.search import Searcher
from index.retrieval.timeline import TimelineEntry, timeline_embedded
from index.store.folder import MANIFEST, StoredIndex, load_index, rebuild_command

logger = logging.getLogger(__name__)

# Which version of the manifest is on disk: each build writes a new file (a new inode).
Stamp = tuple[int, int, int] | None


@dataclass(frozen=True, slots=True)
class _Loaded:
    answerer: Answerer
    stamp: Stamp


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """A newer index on disk that could not be loaded, so the previous one is still in use.

    Attributes:
        reason: Why, with the command that fixes it.
        serving_built_at: Build time of the index still in use.
    """

    reason: str
    serving_built_at: str
    stamp: Stamp


class BriefingService:
    """Answers questions over the newest index; one model, shared by every index version."""

    def __init__(
        self,
        settings: IndexSettings,
        embedder: Embedder | None = None,
        batching: BatchingParams | None = None,
    ) -> None:
        """Loads the index, then the model; questions arriving together are embedded together.

        The index is read first, so a missing or damaged one is reported at once rather than
        after the seconds the model takes to load.

        Raises:
            BriefingError: The model or the index cannot be loaded.
        """
        self.settings = settings
        stamp = self._manifest_stamp()
        index = self._read_index(embedder.name if embedder else settings.embedding_model)
        self.embedder = embedder or load_embedder(settings.embedding_model)
        self._current = _Loaded(Answerer(Searcher(index, self.embedder)), stamp)
        self._problem: LoadProblem | None = None
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

    @property
    def load_problem(self) -> LoadProblem | None:
        """Why the newest index on disk is not the one in use; None when it is."""
        return self._problem

    def _read_index(self, model: str) -> StoredIndex:
        return load_index(
            self.settings.index_dir, expected_model=model, backend=self.settings.vector_backend()
        )

    def _manifest_stamp(self) -> Stamp:
        try:
            info = (Path(self.settings.index_dir) / MANIFEST).stat()
        except OSError:
            return None
        return (info.st_dev, info.st_ino, info.st_mtime_ns)

    def _refresh(self, retry: bool = False) -> Answerer:
        """The answerer of the newest index that loads; questions in flight keep the old one.

        A build that failed to load is not tried again until another build replaces it, or
        ``retry`` is set.
        """
        if self._is_settled(self._manifest_stamp(), retry):
            return self._current.answerer
        with self._swap_lock:
            stamp = self._manifest_stamp()
            if not self._is_settled(stamp, retry):
                self._swap_to(stamp)
        return self._current.answerer

    def _is_settled(self, stamp: Stamp, retry: bool) -> bool:
        if stamp == self._current.stamp:
            self._problem = None  # the index in use is (again) the one on disk
            return True
        return not retry and self._problem is not None and self._problem.stamp == stamp

    def _swap_to(self, stamp: Stamp) -> None:
        built_at = self.index.manifest.built_at
        try:
            index = self._read_index(self.embedder.name)
        except BriefingError as error:
            self._problem = LoadProblem(str(error), built_at, stamp)
            logger.error(
                "new index not loaded, still answering from the index built at %s: %s",
                built_at,
                error,
            )
            return
        except Exception as error:  # a broken new index must not stop the answers
            reason = (
                f"{type(error).__name__}: {error}; run `{rebuild_command(self.settings.index_dir)}`"
            )
            self._problem = LoadProblem(reason, built_at, stamp)
            logger.exception("new index at %s not loaded", self.settings.index_dir)
            return
        self._current = _Loaded(Answerer(Searcher(index, self.embedder)), stamp)
        self._problem = None
        logger.info("index reloaded: %s passages", index.manifest.passages)

    async def answer(self, message: str) -> Answer:
        """Answers a message as a person typed it, off the event loop, so one slow question
        does not hold up other chats; small talk and the like are replied to unsearched."""
        answerer = await asyncio.to_thread(self._refresh)
        read = read_question(message)
        if read.reply is not None:
            return answerer.reply(read)
        query = await self.batcher.embed(read.text)
        return await asyncio.to_thread(answerer.answer_embedded, read.text, query)

    async def timeline(self, topic: str) -> list[TimelineEntry]:
        """The passages on ``topic`` in date order, off the event loop, embedded with the rest."""
        answerer = await asyncio.to_thread(self._refresh)
        query = await self.batcher.embed(topic)
        return await asyncio.to_thread(
            timeline_embedded, answerer.searcher, answerer.dating, topic, query
        )

    async def close(self) -> None:
        """Stops the batching worker."""
        await self.batcher.close()

    async def reload_if_changed(self) -> StoredIndex:
        """Picks up an index rebuilt beside the bot; returns the index in use."""
        await asyncio.to_thread(self._refresh)
        return self.index

    async def rebuild(self) -> BuildReport:
        """Rebuilds the index from the seeds folder and swaps it in, without restarting.

        Afterwards ``load_problem`` says whether the index on disk is the one in use.

        Raises:
            BriefingError: The seeds cannot be read, the index cannot be written, or another
                build is running.
        """
        async with self._rebuild_lock:
            report = await asyncio.to_thread(
                build_index,
                self.settings.seeds_dir,
                self.settings.index_dir,
                self.embedder,
                backend=self.settings.vector_backend(),
            )
            await asyncio.to_thread(self._refresh, True)
            return report
