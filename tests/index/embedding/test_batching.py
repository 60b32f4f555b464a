from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence

import numpy as np
import pytest

from index.embedding.batching import BatchingParams, QueryBatcher
from index.embedding.models import Vectors
from tests.support.fakes import FakeEmbedder


class SlowEmbedder(FakeEmbedder):
    """Takes ``delay`` per call and records how many calls ran at the same time."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self._delay = delay
        self._lock = threading.Lock()
        self._running = 0
        self.most_at_once = 0

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        with self._lock:
            self._running += 1
            self.most_at_once = max(self.most_at_once, self._running)
        time.sleep(self._delay)
        with self._lock:
            self._running -= 1
        return super().embed_queries(texts)


async def _ask_all(batcher: QueryBatcher, questions: list[str]) -> list[Vectors]:
    return list(await asyncio.gather(*(batcher.embed(q) for q in questions)))


def test_questions_arriving_together_share_one_call_and_get_their_own_vectors() -> None:
    embedder = SlowEmbedder(delay=0.05)
    batcher = QueryBatcher(embedder.embed_queries, BatchingParams(max_wait=0.01, max_batch=32))
    questions = [f"What did speaker {n} say about topic {n * 7}?" for n in range(40)]

    vectors = asyncio.run(_ask_all(batcher, questions))

    for question, vector in zip(questions, vectors, strict=True):
        np.testing.assert_array_equal(vector, FakeEmbedder().embed_queries([question])[0])
    assert sum(batcher.batch_sizes) == 40
    assert max(batcher.batch_sizes) == 32  # capped
    assert len(embedder.query_calls) == len(batcher.batch_sizes) <= 3
    assert embedder.most_at_once == 1  # one forward pass at a time


def test_questions_arriving_while_a_batch_runs_form_the_next_batch() -> None:
    embedder = SlowEmbedder(delay=0.2)
    batcher = QueryBatcher(embedder.embed_queries, BatchingParams(max_wait=0.0, max_batch=32))

    async def staggered() -> None:
        first = asyncio.create_task(batcher.embed("first question"))
        await asyncio.sleep(0.05)  # the first batch (of one) is now being embedded
        later = [asyncio.create_task(batcher.embed(f"later question {n}")) for n in range(5)]
        await asyncio.gather(first, *later)

    asyncio.run(staggered())
    assert list(batcher.batch_sizes) == [1, 5] and batcher.batches == 2


def test_a_lone_question_does_not_wait_but_a_busy_stream_waits_for_stragglers() -> None:
    embedder = FakeEmbedder()
    # A lone question that waited for stragglers would take the whole second and be cut off.
    batcher = QueryBatcher(embedder.embed_queries, BatchingParams(max_wait=1))

    async def run() -> list[int]:
        await asyncio.wait_for(batcher.embed("alone"), timeout=0.99)
        # Two together make the batcher busy: the next batch waits for one more straggler.
        await asyncio.gather(batcher.embed("together 1"), batcher.embed("together 2"))
        first = asyncio.create_task(batcher.embed("busy 1"))
        await asyncio.sleep(0.1)
        await asyncio.gather(first, batcher.embed("busy 2 (a straggler)"))
        return list(batcher.batch_sizes)

    assert asyncio.run(run()) == [1, 2, 2]


def test_a_failing_embedding_fails_every_question_of_its_batch_and_not_the_next() -> None:
    calls: list[int] = []

    def embed(texts: Sequence[str]) -> Vectors:
        calls.append(len(texts))
        if len(calls) == 1:
            raise RuntimeError("model exploded")
        return FakeEmbedder().embed_queries(texts)

    batcher = QueryBatcher(embed, BatchingParams(max_wait=0.01))

    async def run() -> tuple[list[object], Vectors]:
        first = await asyncio.gather(batcher.embed("a"), batcher.embed("b"), return_exceptions=True)
        return first, await batcher.embed("c")

    first, later = asyncio.run(run())
    assert all(isinstance(result, RuntimeError) for result in first)
    assert later.shape == (256,)


def test_a_cancelled_question_does_not_stop_the_others() -> None:
    embedder = SlowEmbedder(delay=0.05)
    batcher = QueryBatcher(embedder.embed_queries, BatchingParams(max_wait=0.02))

    async def run() -> Vectors:
        doomed = asyncio.create_task(batcher.embed("never mind"))
        kept = asyncio.create_task(batcher.embed("still wanted"))
        await asyncio.sleep(0)
        doomed.cancel()
        return await kept

    assert asyncio.run(run()).shape == (256,)


def test_the_batcher_works_across_event_loops_and_closes() -> None:
    batcher = QueryBatcher(FakeEmbedder().embed_queries)

    async def ask_and_close() -> None:
        await batcher.embed("one")
        await batcher.close()

    asyncio.run(ask_and_close())
    asyncio.run(ask_and_close())  # a new loop starts a new worker
    assert list(batcher.batch_sizes) == [1, 1]


@pytest.mark.parametrize(("max_wait", "max_batch"), [(-1.0, 8), (0.01, 0), (5.0, 8)])
def test_bad_batching_params_are_refused(max_wait: float, max_batch: int) -> None:
    with pytest.raises(ValueError, match="max_batch"):
        BatchingParams(max_wait=max_wait, max_batch=max_batch)


def test_only_the_recent_batch_sizes_are_kept_but_every_batch_is_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bot embeds batches for months: what it keeps of them must not grow with them."""
    from index.embedding import batching

    monkeypatch.setattr(batching, "RECENT_BATCHES", 3)
    batcher = QueryBatcher(FakeEmbedder().embed_queries, BatchingParams(max_wait=0, max_batch=1))

    async def one_by_one() -> None:
        for n in range(7):
            await batcher.embed(f"question {n}")

    asyncio.run(one_by_one())
    assert list(batcher.batch_sizes) == [1, 1, 1] and batcher.batches == 7
