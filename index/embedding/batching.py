"""Micro-batching: questions that arrive together are embedded together.

On a CPU, one forward pass over 16 short questions costs far less than 16 passes over one,
so a busy group gets more answers per second. Questions arriving while a batch is being
embedded form the next batch. When the last batch had company (questions are coming in
together), a batch also waits at most ``max_wait`` for stragglers; a question that arrives
alone after a lull is embedded at once, so one question at a time pays nothing for
batching. One batch is embedded at a time: the model already uses every core, and two
passes at once would only slow each other down.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]
EmbedQueries = Callable[[Sequence[str]], npt.NDArray[np.float32]]

DEFAULT_MAX_WAIT = 0.004
DEFAULT_MAX_BATCH = 32
RECENT_BATCHES = 1000


@dataclass(frozen=True, slots=True)
class BatchingParams:
    """How long a question may wait for others, and how many are embedded at once."""

    max_wait: float = DEFAULT_MAX_WAIT
    max_batch: int = DEFAULT_MAX_BATCH

    def __post_init__(self) -> None:
        if self.max_batch < 1 or not 0 <= self.max_wait <= 1:
            raise ValueError("max_batch must be at least 1 and max_wait within 0..1 s")


class QueryBatcher:
    """Embeds questions in batches, in a worker thread, from one asyncio event loop."""

    def __init__(self, embed: EmbedQueries, params: BatchingParams | None = None) -> None:
        """Batches calls to ``embed`` (e.g. ``Embedder.embed_queries``)."""
        self._embed = embed
        self.params = params or BatchingParams()
        self._pending: asyncio.Queue[tuple[str, asyncio.Future[Vector]]] | None = None
        self._worker: asyncio.Task[None] | None = None
        # The sizes of the last batches embedded (for the bench and tests) and how many there
        # were: a running bot embeds batches for months, so only the recent are kept.
        self.batch_sizes: deque[int] = deque(maxlen=RECENT_BATCHES)
        self.batches = 0
        self._busy = False  # the last batch had more than one question

    async def embed(self, question: str) -> Vector:
        """The query vector of ``question``, embedded with whatever arrives with it."""
        loop = asyncio.get_running_loop()
        if self._pending is None or self._worker is None or self._worker.get_loop() is not loop:
            # First use, or a new event loop (tests, a restarted application).
            self._pending = asyncio.Queue()
            self._worker = asyncio.create_task(self._run(self._pending), name="query-batcher")
        future: asyncio.Future[Vector] = loop.create_future()
        await self._pending.put((question, future))
        return await future

    async def close(self) -> None:
        """Stops the worker; questions still waiting get ``asyncio.CancelledError``."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        self._worker = None

    async def _run(self, pending: asyncio.Queue[tuple[str, asyncio.Future[Vector]]]) -> None:
        batch: list[tuple[str, asyncio.Future[Vector]]] = []
        try:
            while True:
                batch = [await pending.get()]
                await self._gather(pending, batch)
                live = [(text, future) for text, future in batch if not future.cancelled()]
                if live:
                    await self._embed_batch(live)
                batch = []
        finally:
            for _, future in batch:
                future.cancel()

    async def _gather(
        self,
        pending: asyncio.Queue[tuple[str, asyncio.Future[Vector]]],
        batch: list[tuple[str, asyncio.Future[Vector]]],
    ) -> None:
        """Adds what is already waiting, then, when busy, what arrives within ``max_wait``."""
        wait = self.params.max_wait if self._busy else 0.0
        deadline = asyncio.get_running_loop().time() + wait
        while len(batch) < self.params.max_batch:
            if not pending.empty():
                batch.append(pending.get_nowait())
                continue
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return
            try:
                batch.append(await asyncio.wait_for(pending.get(), remaining))
            except TimeoutError:
                return

    async def _embed_batch(self, batch: list[tuple[str, asyncio.Future[Vector]]]) -> None:
        self.batch_sizes.append(len(batch))
        self.batches += 1
        self._busy = len(batch) > 1
        try:
            vectors = await asyncio.to_thread(self._embed, [text for text, _ in batch])
        except Exception as error:  # every waiting question learns of the failure
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, future), vector in zip(batch, vectors, strict=True):
            if not future.done():
                future.set_result(vector)
