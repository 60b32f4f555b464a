"""The service the bot runs the answer pipeline (``index.pipeline``) in.

``BriefingService`` runs the pipeline off the event loop and swaps it when the index changes.
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

from index.answering.answers import Answer
from index.answering.digest import Digest, Period, make_digest, read_period
from index.articles.apart import run_apart
from index.articles.uploads import Added, Removed, check_upload, remove_upload, save_upload
from index.build import BuildReport, build_index
from index.config import IndexSettings
from index.embedding.batching import BatchingParams, QueryBatcher
from index.embedding.models import Embedder, load_embedder
from index.errors import BriefingError
from index.follows import FollowStore, News, check_follows
from index.pipeline import Pipeline, read_index
from index.records import file_of
from index.retrieval.timeline import TimelineEntry
from index.store.folder import MANIFEST, StoredIndex, rebuild_command

logger = logging.getLogger(__name__)

# Which version of the manifest is on disk: each build writes a new file (a new inode).
Stamp = tuple[int, int, int] | None


@dataclass(frozen=True, slots=True)
class _Loaded:
    pipeline: Pipeline
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


_DIGESTS_KEPT = 16
WARM_UP_QUESTION = "What did the minister say about the attack on 22 December?"


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
        index = read_index(settings, embedder.name if embedder else settings.embedding_model)
        self.embedder = embedder or load_embedder(
            settings.embedding_model, settings.embedding_engine
        )
        self._current = _Loaded(Pipeline.over(index, self.embedder), stamp)
        self._problem: LoadProblem | None = None
        self.batcher = QueryBatcher(self.embedder.embed_queries, batching)
        self._swap_lock = threading.Lock()
        self._rebuild_lock = asyncio.Lock()
        self._digests: dict[tuple[str, str, str | None], Digest] = {}

    def warm_up(self) -> None:
        """Answers one question and forgets it: ONNX Runtime's first run, the pages of the
        model and of the language identifier are paid for at start, not by the first user."""
        self._current.pipeline.answer(WARM_UP_QUESTION)

    @property
    def index(self) -> StoredIndex:
        """The index questions are answered from now."""
        return self._current.pipeline.index

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

    def _manifest_stamp(self) -> Stamp:
        try:
            info = (Path(self.settings.index_dir) / MANIFEST).stat()
        except OSError:
            return None
        return (info.st_dev, info.st_ino, info.st_mtime_ns)

    def _refresh(self, retry: bool = False) -> Pipeline:
        """The pipeline of the newest index that loads; questions in flight keep the old one.

        A build that failed to load is not tried again until another build replaces it, or
        ``retry`` is set.
        """
        if self._is_settled(self._manifest_stamp(), retry):
            return self._current.pipeline
        with self._swap_lock:
            stamp = self._manifest_stamp()
            if not self._is_settled(stamp, retry):
                self._swap_to(stamp)
        return self._current.pipeline

    def _is_settled(self, stamp: Stamp, retry: bool) -> bool:
        if stamp == self._current.stamp:
            self._problem = None  # the index in use is (again) the one on disk
            return True
        return not retry and self._problem is not None and self._problem.stamp == stamp

    def _swap_to(self, stamp: Stamp) -> None:
        built_at = self.index.manifest.built_at
        try:
            index = read_index(self.settings, self.embedder.name)
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
        self._current = _Loaded(Pipeline.over(index, self.embedder), stamp)
        self._problem = None
        logger.info("index reloaded: %s passages", index.manifest.passages)

    async def answer(self, message: str) -> Answer:
        """Answers a message as a person typed it, off the event loop, so one slow question
        does not hold up other chats; small talk and the like are replied to unsearched."""
        pipeline = await asyncio.to_thread(self._refresh)
        question = pipeline.read(message)
        if question.reply is not None:
            return pipeline.answer(question)
        vector = await self.batcher.embed(question.text)
        return await asyncio.to_thread(pipeline.answer, question, vector)

    async def timeline(self, topic: str) -> list[TimelineEntry]:
        """The passages on ``topic`` in date order, off the event loop, embedded with the rest."""
        pipeline = await asyncio.to_thread(self._refresh)
        question = pipeline.read(topic)
        vector = await self.batcher.embed(question.text)
        return await asyncio.to_thread(pipeline.timeline, question, vector)

    async def example_questions(self, language: str) -> list[str]:
        """Three questions the index in use answers, in ``language`` where the bot speaks it
        (counting who it quotes reads its passages: off the event loop)."""
        pipeline = await asyncio.to_thread(self._refresh)
        return await asyncio.to_thread(pipeline.example_questions, language)

    async def digest(self, period: str, language: str | None = None) -> Digest | None:
        """The digest of ``period`` as ``/digest`` takes it (``read_period``), stories shown in
        ``language`` where told in it; None for a period it does not read."""
        pipeline = await asyncio.to_thread(self._refresh)
        asked = read_period(period, pipeline.dating.newest)
        return None if asked is None else await self._digest(pipeline, asked, language)

    async def digest_of(self, period: Period, language: str | None = None) -> Digest:
        """The digest of a period given as days (scheduled digests: the chat's last days)."""
        return await self._digest(await asyncio.to_thread(self._refresh), period, language)

    async def _digest(self, pipeline: Pipeline, period: Period, language: str | None) -> Digest:
        """Kept per index, days and language, so that pages are turned without grouping the
        stories again."""
        key = (self.stamp, period.code, language)
        if key not in self._digests:
            digest = await asyncio.to_thread(make_digest, pipeline.index, period, language)
            if len(self._digests) >= _DIGESTS_KEPT:
                self._digests.pop(next(iter(self._digests)))
            self._digests[key] = digest
        return self._digests[key]

    async def check_follows(self, store: FollowStore) -> list[News]:
        """The news of the passages new to the index in use for every followed topic, already
        recorded as told (``index.follows.check_follows``): send it."""
        pipeline = await asyncio.to_thread(self._refresh)
        return await asyncio.to_thread(check_follows, pipeline.index, store, pipeline.latest)

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
            return await self._rebuild()

    async def add(self, name: str, data: bytes) -> Added:
        """Adds a file sent to the bot: read, checked against the briefing, saved under the
        seeds folder, indexed; the old index answers meanwhile.

        Raises:
            ArticleRejectedError: It cannot be read, or the briefing holds it already.
            BriefingError: It cannot be saved, or the index cannot be rebuilt.
        """
        async with self._rebuild_lock:
            articles = list(self.index.articles.values())
            await asyncio.to_thread(run_apart, check_upload, name, data, articles)
            source = await asyncio.to_thread(save_upload, self.settings.seeds_dir, name, data)
            report = await self._rebuild()
            index = self.index
            mine = [a for a in index.articles.values() if a.file == source]
            passages = sum(1 for p in index.passages if file_of(p.source) == source)
            skipped = [s for s in report.skipped if file_of(s.source) == source]
            return Added(source, mine, passages, skipped)

    async def remove(self, source: str) -> Removed:
        """Takes out a file added in Telegram (moved aside, not deleted) and rebuilds.

        Raises:
            ArticleNotFoundError: ``source`` is not a file added in Telegram.
            BriefingError: It cannot be moved, or the index cannot be rebuilt.
        """
        async with self._rebuild_lock:
            file = file_of(source)
            articles = [a for a in self.index.articles.values() if a.file == file]
            moved = await asyncio.to_thread(remove_upload, self.settings.seeds_dir, file)
            await self._rebuild()
            return Removed(file, articles, moved)

    async def _rebuild(self) -> BuildReport:
        report = await asyncio.to_thread(
            build_index,
            self.settings.seeds_dir,
            self.settings.index_dir,
            self.embedder,
            backend=self.settings.vector_backend(),
            apart=True,  # the readers' libraries and hostile files stay out of the bot
        )
        await asyncio.to_thread(self._refresh, True)
        return report
