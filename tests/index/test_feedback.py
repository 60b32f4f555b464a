"""The store of readers' verdicts: one row per reader and answer, safe for concurrent writers."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from index.build import build_index
from index.errors import FeedbackStoreError
from index.feedback import (
    CitedPassage,
    Feedback,
    FeedbackStore,
    Verdict,
    cited_passages,
    feedback_path,
    format_feedback,
)
from index.pipeline import Pipeline
from index.store.folder import load_index
from tests.conftest import LAVROV_SOURCE
from tests.support.fakes import FakeEmbedder

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
# Written as text, 23:31+11:30 sorts after 12:32+00:00 though it is earlier.
EAST = timezone(timedelta(hours=11, minutes=30))
LAVROV = CitedPassage(LAVROV_SOURCE, 6, "The Russian foreign Minister Sergei Lavrov said …")


def _verdict(
    verdict: Verdict,
    *,
    answer: str = "1002:7",
    user: int = 1002,
    at: datetime = T0,
    question: str = "What did Lavrov say?",
) -> Feedback:
    return Feedback(
        at=at,
        chat_id=1002,
        user_id=user,
        answer_key=answer,
        question=question,
        verdict=verdict,
        answer="Sergei Lavrov said Berlin did not provide evidence [1]",
        passages=(LAVROV,),
    )


@pytest.fixture
def store(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(feedback_path(tmp_path / "var" / "index"))


def test_the_database_sits_beside_the_index_folder(tmp_path: Path) -> None:
    assert feedback_path(tmp_path / "index") == tmp_path / "index.feedback.sqlite3"
    assert feedback_path(Path("var/index/")) == Path("var/index.feedback.sqlite3")


def test_a_verdict_is_stored_with_its_question_answer_and_passages(store: FeedbackStore) -> None:
    assert not store.exists() and store.entries() == [] and store.count() == 0
    assert not store.path.exists(), "reading does not create the database"
    store.record(_verdict("down"))
    assert store.entries() == [_verdict("down")]
    with sqlite3.connect(store.path) as connection:
        (passages, mode) = connection.execute(
            "SELECT passages, (SELECT journal_mode FROM pragma_journal_mode) FROM feedback"
        ).fetchone()
    assert json.loads(passages) == [{"source": LAVROV.source, "paragraph": 6, "text": LAVROV.text}]
    assert mode == "wal"


def test_a_second_press_changes_that_readers_verdict_only(store: FeedbackStore) -> None:
    store.record(_verdict("up"))
    store.record(_verdict("up", user=2002))
    store.record(_verdict("down", at=T0 + timedelta(seconds=5)))
    assert store.count() == 2
    mine = [e for e in store.entries() if e.user_id == 1002]
    assert [(e.verdict, e.at) for e in mine] == [("down", T0 + timedelta(seconds=5))]
    assert store.count("up") == 1 and store.count("down") == 1


def test_listing_is_newest_first_filtered_and_limited(store: FeedbackStore) -> None:
    for minute, verdict in enumerate(("down", "up", "down", "down")):
        at = (T0 + timedelta(minutes=minute)).astimezone(EAST if minute % 2 else UTC)
        store.record(_verdict(verdict, answer=f"1002:{minute}", at=at))
    down = store.entries("down")
    assert [e.answer_key for e in down] == ["1002:3", "1002:2", "1002:0"]
    assert [e.answer_key for e in store.entries(limit=2)] == ["1002:3", "1002:2"]
    assert len(store.entries()) == store.count() == 4
    assert all(e.at.tzinfo is not None for e in down)


def test_concurrent_writers_from_threads_lose_nothing(store: FeedbackStore) -> None:
    """Eight threads press at once on a new database: each reader's last verdict on each
    answer is the one kept, and readers listing meanwhile never fail."""
    threads, answers = 8, 15
    failures: list[BaseException] = []

    def press(user: int) -> None:
        try:
            for n in range(answers):
                for verdict in ("up", "down") if n % 3 else ("down", "up"):
                    store.record(_verdict(verdict, answer=f"1:{n}", user=user))
                store.entries(limit=5)
        except BaseException as error:  # every thread's failure is reported, not just one
            failures.append(error)

    workers = [threading.Thread(target=press, args=(user,)) for user in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    assert store.count() == threads * answers
    assert store.count("up") == threads * len(range(0, answers, 3))


def test_a_file_that_is_no_feedback_database_is_one_clear_error(store: FeedbackStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(b"not sqlite at all, " * 100)
    with pytest.raises(FeedbackStoreError, match=r"cannot be used .*move it away"):
        store.entries()
    with pytest.raises(FeedbackStoreError):
        store.record(_verdict("down"))


def test_a_rebuild_of_the_index_keeps_the_feedback(seeds_dir: Path, index_dir: Path) -> None:
    embedder = FakeEmbedder()
    build_index(seeds_dir, index_dir, embedder)
    answer = Pipeline.over(load_index(index_dir), embedder).answer("What did Lavrov say?")
    store = FeedbackStore(feedback_path(index_dir))
    cited = cited_passages(answer)
    assert cited and cited[0] == CitedPassage(
        answer.citations[0].hit.passage.source,
        answer.citations[0].hit.passage.paragraph,
        answer.citations[0].hit.passage.text,
    )
    store.record(_verdict("down"))
    build_index(seeds_dir, index_dir, embedder, full=True)
    assert store.count("down") == 1


def test_an_entry_reads_on_the_terminal() -> None:
    text = format_feedback(_verdict("down"))
    assert text.splitlines()[:3] == [
        "👎 2026-05-01 12:00 UTC · chat 1002 · user 1002",
        "Q: What did Lavrov say?",
        "A: Sergei Lavrov said Berlin did not provide evidence [1]",
    ]
    assert f"[1] {LAVROV_SOURCE} · paragraph 6" in text
