"""Topics chats follow, the passages each was told of, and the chats' scheduled digests.

After every rebuild, the passages new to the index are checked against every followed topic
(``check_follows``): a passage is news for a topic when the answer to the topic is not refused
(the same abstention as answers) and cites that passage, or ranks it as close to the topic as a
passage it cites; the topic is asked as for the latest news, so that of passages about as good
the newest are cited (``Pipeline.latest``). A chat hears of at most ``MAX_PER_TOPIC`` passages
a rebuild and topic, each once; a version (in another article) of a passage it is told of is
shown with it rather than told again. What was sent is recorded before it is sent: after a
crash a notice may be lost, never sent twice.
Passages already in the index when the first check runs are not news.

All of it is kept in SQLite beside the index (``follows_path``), so it outlives rebuilds and
restarts.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from index.answering.answers import Answer, Citation
from index.errors import FollowStoreError
from index.records import Hit, Passage
from index.retrieval.stories import find_versions
from index.store.folder import StoredIndex
from index.store.sqlite import beside, database

MAX_PER_TOPIC = 3
MAX_TOPICS_PER_CHAT = 20
Cadence = Literal["daily", "weekly"]
_FORMAT_VERSION = 1
_SCHEMA = (
    """CREATE TABLE follows (
    chat_id INTEGER NOT NULL, topic TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (chat_id, topic))""",
    "CREATE TABLE seen (passage TEXT PRIMARY KEY)",
    """CREATE TABLE told (
    chat_id INTEGER NOT NULL, topic TEXT NOT NULL, passage TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (chat_id, topic, passage))""",
    """CREATE TABLE digests (
    chat_id INTEGER PRIMARY KEY, cadence TEXT NOT NULL CHECK (cadence IN ('daily', 'weekly')),
    at_time TEXT NOT NULL, timezone TEXT NOT NULL, last_sent TEXT)""",
)


def follows_path(index_dir: Path) -> Path:
    """``var/index`` → ``var/index.follows.sqlite3``."""
    return beside(index_dir, "follows.sqlite3")


def passage_key(passage: Passage) -> str:
    """A passage's name across rebuilds (ids are renumbered): its article and its text."""
    digest = hashlib.sha256(f"{passage.source}\0{passage.text}".encode())
    return digest.hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class Subscription:
    """A chat's scheduled digest: ``daily`` or ``weekly`` (Mondays) at ``at_time`` (``HH:MM``)
    in ``timezone`` (IANA name); ``last_sent`` is the local date of the last one sent."""

    chat_id: int
    cadence: Cadence
    at_time: str
    timezone: str
    last_sent: str | None = None


@dataclass(frozen=True, slots=True)
class News:
    """What to tell a chat about a topic it follows: new passages with their versions."""

    chat_id: int
    topic: str
    citations: tuple[Citation, ...]


class FollowStore:
    """Follows, what was told, and scheduled digests, in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def follow(self, chat_id: int, topic: str) -> bool:
        """Adds a topic for the chat; False when it follows it already.

        Raises:
            ValueError: The chat follows ``MAX_TOPICS_PER_CHAT`` topics already.
            FollowStoreError: The database cannot be written.
        """
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            count = connection.execute(
                "SELECT count(*) FROM follows WHERE chat_id = ?", (chat_id,)
            ).fetchone()[0]
            exists = connection.execute(
                "SELECT 1 FROM follows WHERE chat_id = ? AND topic = ?", (chat_id, topic)
            ).fetchone()
            if exists is None and count >= MAX_TOPICS_PER_CHAT:
                connection.execute("ROLLBACK")
                raise ValueError(f"a chat follows at most {MAX_TOPICS_PER_CHAT} topics")
            if exists is None:
                connection.execute("INSERT INTO follows VALUES (?, ?, ?)", (chat_id, topic, _now()))
            connection.execute("COMMIT")
        return exists is None

    def unfollow(self, chat_id: int, topic: str | None = None) -> int:
        """Drops one topic of the chat's (all of them without ``topic``); how many were."""
        with self._connection() as connection:
            if topic is None:
                found = connection.execute("DELETE FROM follows WHERE chat_id = ?", (chat_id,))
            else:
                found = connection.execute(
                    "DELETE FROM follows WHERE chat_id = ? AND topic = ?", (chat_id, topic)
                )
            return int(found.rowcount)

    def topics(self, chat_id: int | None = None) -> list[tuple[int, str]]:
        """(chat, topic) of every follow, or of one chat's, in the order they were added."""
        where, parameters = ("WHERE chat_id = ?", (chat_id,)) if chat_id is not None else ("", ())
        with self._connection() as connection:
            rows = connection.execute(
                f"SELECT chat_id, topic FROM follows {where} ORDER BY at, rowid", parameters
            ).fetchall()
        return [(int(row[0]), str(row[1])) for row in rows]

    def forget_chat(self, chat_id: int) -> None:
        """Drops everything of a chat (one that blocked the bot, or left the allowlist)."""
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            for table in ("follows", "told", "digests"):
                connection.execute(f"DELETE FROM {table} WHERE chat_id = ?", (chat_id,))
            connection.execute("COMMIT")

    def unseen(self, index: StoredIndex) -> tuple[list[int], bool]:
        """The ids of the index's passages not checked before; and whether any passage ever
        was (False on the very first check, whose passages are not news)."""
        keys = [passage_key(p) for p in index.passages]
        with self._connection() as connection:
            seen = {str(row[0]) for row in connection.execute("SELECT passage FROM seen")}
        return [p.id for p, key in zip(index.passages, keys, strict=True) if key not in seen], bool(
            seen
        )

    def record(self, index: StoredIndex, checked: Iterable[int], news: Iterable[News]) -> None:
        """Marks passages as checked and the news as told, in one transaction, before sending."""
        at = _now()
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(
                "INSERT OR IGNORE INTO seen VALUES (?)",
                [(passage_key(index.passages[i]),) for i in checked],
            )
            connection.executemany(
                "INSERT OR IGNORE INTO told VALUES (?, ?, ?, ?)",
                [
                    (item.chat_id, item.topic, passage_key(c.hit.passage), at)
                    for item in news
                    for c in item.citations
                ],
            )
            connection.execute("COMMIT")

    def told(self, chat_id: int, topic: str) -> set[str]:
        """The keys of the passages the chat was told of for ``topic``."""
        with self._connection() as connection:
            rows = connection.execute(
                "SELECT passage FROM told WHERE chat_id = ? AND topic = ?", (chat_id, topic)
            ).fetchall()
        return {str(row[0]) for row in rows}

    def subscribe(self, subscription: Subscription) -> None:
        """Sets the chat's scheduled digest (one per chat), keeping when it was last sent."""
        with self._connection() as connection:
            connection.execute(
                """INSERT INTO digests VALUES (?, ?, ?, ?, NULL)
                ON CONFLICT (chat_id) DO UPDATE SET cadence = excluded.cadence,
                at_time = excluded.at_time, timezone = excluded.timezone""",
                (
                    subscription.chat_id,
                    subscription.cadence,
                    subscription.at_time,
                    subscription.timezone,
                ),
            )

    def unsubscribe(self, chat_id: int) -> bool:
        """Stops the chat's scheduled digest; False when it had none."""
        with self._connection() as connection:
            found = connection.execute("DELETE FROM digests WHERE chat_id = ?", (chat_id,))
            return found.rowcount > 0

    def subscriptions(self) -> list[Subscription]:
        """Every chat's scheduled digest."""
        with self._connection() as connection:
            rows = connection.execute(
                "SELECT chat_id, cadence, at_time, timezone, last_sent FROM digests "
                "ORDER BY chat_id"
            ).fetchall()
        return [Subscription(int(r[0]), r[1], str(r[2]), str(r[3]), r[4]) for r in rows]

    def claim_digest(self, chat_id: int, local_date: str) -> bool:
        """Records that the chat's digest of ``local_date`` is being sent; False when it was
        already (a restart in the same minute, two schedulers): send only on True."""
        with self._connection() as connection:
            found = connection.execute(
                "UPDATE digests SET last_sent = ? WHERE chat_id = ? "
                "AND (last_sent IS NULL OR last_sent < ?)",
                (local_date, chat_id, local_date),
            )
            return found.rowcount > 0

    def _connection(self) -> AbstractContextManager[sqlite3.Connection]:
        return database(
            self.path,
            create=True,
            schema=_SCHEMA,
            version=_FORMAT_VERSION,
            failure=FollowStoreError,
            name="follows database",
        )


def check_follows(
    index: StoredIndex,
    store: FollowStore,
    answer: Callable[[str], Answer],
) -> list[News]:
    """The news of the passages new to ``index`` for every followed topic, recorded as told
    (send it after this returns). ``answer`` answers a topic as the bot answers a question."""
    unseen, checked_before = store.unseen(index)
    follows = store.topics()
    if not unseen or not checked_before or not follows:
        store.record(index, unseen, [])
        return []
    new = set(unseen)
    news: list[News] = []
    answers: dict[str, Answer] = {}
    for chat_id, topic in follows:
        if topic not in answers:
            answers[topic] = answer(topic)
        found = _news_of(index, answers[topic], new, store.told(chat_id, topic))
        if found:
            news.append(News(chat_id, topic, found))
    store.record(index, unseen, news)
    return news


def _news_of(
    index: StoredIndex, answer: Answer, new: set[int], told: set[str]
) -> tuple[Citation, ...]:
    """The new passages the answer cites, at most ``MAX_PER_TOPIC``, numbered; a version of
    one already kept is left out (it is among that one's versions)."""
    if not answer.found:
        return ()
    cited = {c.hit.passage.id: c for c in answer.citations}
    # Cited, or as close to the topic as a cited passage: an older passage's citation must not
    # hide a new one that is as good.
    bar = min((c.hit.score for c in answer.citations), default=1.0)
    drawn = [c.hit for c in answer.citations] + [
        hit for hit in answer.hits if hit.passage.id not in cited and hit.score >= bar
    ]
    fresh = [hit for hit in drawn if hit.passage.id in new and passage_key(hit.passage) not in told]
    versions = find_versions(index, [hit.passage.id for hit in fresh]) if fresh else {}
    kept: list[Citation] = []
    covered: set[int] = set()
    for hit in fresh:
        if hit.passage.id in covered:
            continue
        also = tuple(versions.get(hit.passage.id, ()))
        covered.update(v.passage.id for v in also)
        covered.add(hit.passage.id)
        sentences = cited[hit.passage.id].sentences if hit.passage.id in cited else ()
        kept.append(Citation(len(kept) + 1, hit, sentences or _first(hit), also))
        if len(kept) == MAX_PER_TOPIC:
            break
    return tuple(kept)


def _first(hit: Hit) -> tuple[tuple[int, int], ...]:
    return hit.passage.sentences[:1] or ((hit.passage.start, hit.passage.end),)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
