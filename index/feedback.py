"""What readers thought of the answers: one 👍 or 👎 per reader and answer, in SQLite.

The database is a file beside the index folder (``feedback_path``, ``index.store.sqlite``), so a
rebuild leaves it alone; the bot and ``briefing-index feedback`` may use it at the same time.
"""

from __future__ import annotations

import json
import sqlite3
import textwrap
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, get_args

from index.answering.answers import Answer
from index.errors import FeedbackStoreError
from index.store.sqlite import beside, database

Verdict = Literal["up", "down"]
VERDICTS: tuple[str, ...] = get_args(Verdict)
DEFAULT_LIMIT = 100
_FORMAT_VERSION = 1
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS feedback (
    answer_key TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    chat_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('up', 'down')),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    passages TEXT NOT NULL,
    PRIMARY KEY (answer_key, user_id)
    )""",
    "CREATE INDEX IF NOT EXISTS feedback_by_time ON feedback (at)",
)
# A reader who changes their mind replaces their verdict on that answer: one row each.
_UPSERT = """
INSERT INTO feedback (answer_key, user_id, chat_id, at, verdict, question, answer, passages)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (answer_key, user_id) DO UPDATE SET
    chat_id = excluded.chat_id, at = excluded.at, verdict = excluded.verdict,
    question = excluded.question, answer = excluded.answer, passages = excluded.passages
"""
_COLUMNS = "answer_key, user_id, chat_id, at, verdict, question, answer, passages"


@dataclass(frozen=True, slots=True)
class CitedPassage:
    """A passage an answer cited, as the reader saw it."""

    source: str
    paragraph: int
    text: str


@dataclass(frozen=True, slots=True)
class Feedback:
    """One reader's verdict on one answer.

    Attributes:
        at: When the reader last pressed a button on it (timezone-aware).
        chat_id: The chat the answer was sent to.
        user_id: The reader.
        answer_key: Identifies the answer for good (the bot: chat and message id), so a second
            press on it replaces the first.
        question: The question as the bot read it.
        verdict: ``"up"`` (👍) or ``"down"`` (👎).
        answer: The answer's text, with its ``[n]`` markers.
        passages: The passages cited, ``[1]`` first.
    """

    at: datetime
    chat_id: int
    user_id: int
    answer_key: str
    question: str
    verdict: Verdict
    answer: str
    passages: tuple[CitedPassage, ...]

    def as_json(self) -> dict[str, object]:
        """The JSON shape of an entry in ``briefing-index feedback --json``."""
        return {
            "at": self.at.isoformat(),
            "chat_id": self.chat_id,
            "user_id": self.user_id,
            "answer_key": self.answer_key,
            "verdict": self.verdict,
            "question": self.question,
            "answer": self.answer,
            "passages": [_passage_json(p) for p in self.passages],
        }


def cited_passages(answer: Answer) -> tuple[CitedPassage, ...]:
    """The passages ``answer`` cites, in the order of its numbers."""
    return tuple(
        CitedPassage(c.hit.passage.source, c.hit.passage.paragraph, c.hit.passage.text)
        for c in answer.citations
    )


def format_feedback(entry: Feedback, width: int = 96) -> str:
    """One entry for the terminal: when and who, the question, the answer, the passages cited."""
    when = entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    mark = "👍" if entry.verdict == "up" else "👎"
    lines = [f"{mark} {when} · chat {entry.chat_id} · user {entry.user_id}"]
    lines += textwrap.wrap(entry.question, width, initial_indent="Q: ", subsequent_indent="   ")
    lines += textwrap.wrap(entry.answer, width, initial_indent="A: ", subsequent_indent="   ")
    for n, passage in enumerate(entry.passages, 1):
        lines.append(f"   [{n}] {passage.source} · paragraph {passage.paragraph}")
        lines += textwrap.wrap(
            passage.text, width, initial_indent=" " * 7, subsequent_indent=" " * 7
        )
    return "\n".join(lines) + "\n"


def feedback_path(index_dir: Path) -> Path:
    """Where the verdicts on answers from ``index_dir`` are kept: beside it, so a rebuild (which
    swaps the folder) keeps them: ``var/index`` → ``var/index.feedback.sqlite3``."""
    return beside(index_dir, "feedback.sqlite3")


class FeedbackStore:
    """The verdicts of readers, in one SQLite file."""

    def __init__(self, path: Path) -> None:
        """Uses the database at ``path``; it is created by the first ``record``."""
        self.path = path

    def exists(self) -> bool:
        """True once a verdict has been recorded here."""
        return self.path.is_file()

    def record(self, feedback: Feedback) -> None:
        """Stores ``feedback``, replacing that reader's earlier verdict on the same answer.

        Raises:
            FeedbackStoreError: The database cannot be created or written.
        """
        if feedback.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, not {feedback.verdict!r}")
        row = (
            feedback.answer_key,
            feedback.user_id,
            feedback.chat_id,
            # One time zone, so that the text sorts as the times do.
            feedback.at.astimezone(UTC).isoformat(timespec="microseconds"),
            feedback.verdict,
            feedback.question,
            feedback.answer,
            json.dumps([_passage_json(p) for p in feedback.passages], ensure_ascii=False),
        )
        with self._connection(create=True) as connection:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(_UPSERT, row)
            connection.execute("COMMIT")

    def entries(self, verdict: Verdict | None = None, limit: int = DEFAULT_LIMIT) -> list[Feedback]:
        """The latest ``limit`` verdicts (only ``verdict`` ones if given), newest first.

        Raises:
            FeedbackStoreError: The file is not a feedback database or cannot be read.
        """
        if not self.exists():
            return []
        where, parameters = _where(verdict)
        query = f"SELECT {_COLUMNS} FROM feedback {where} ORDER BY at DESC, rowid DESC LIMIT ?"
        with self._connection(create=False) as connection:
            rows = connection.execute(query, (*parameters, limit)).fetchall()
        return [_feedback(row) for row in rows]

    def count(self, verdict: Verdict | None = None) -> int:
        """How many verdicts are stored (only ``verdict`` ones if given).

        Raises:
            FeedbackStoreError: The file is not a feedback database or cannot be read.
        """
        if not self.exists():
            return 0
        where, parameters = _where(verdict)
        with self._connection(create=False) as connection:
            found = connection.execute(f"SELECT count(*) FROM feedback {where}", parameters)
            return int(found.fetchone()[0])

    def _connection(self, create: bool) -> AbstractContextManager[sqlite3.Connection]:
        return database(
            self.path,
            create=create,
            schema=_SCHEMA,
            version=_FORMAT_VERSION,
            failure=FeedbackStoreError,
            name="feedback database",
        )


def _where(verdict: Verdict | None) -> tuple[str, tuple[str, ...]]:
    if verdict is None:
        return "", ()
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {VERDICTS}, not {verdict!r}")
    return "WHERE verdict = ?", (verdict,)


def _passage_json(passage: CitedPassage) -> dict[str, object]:
    return {"source": passage.source, "paragraph": passage.paragraph, "text": passage.text}


def _feedback(row: sqlite3.Row) -> Feedback:
    return Feedback(
        at=datetime.fromisoformat(row["at"]),
        chat_id=row["chat_id"],
        user_id=row["user_id"],
        answer_key=row["answer_key"],
        question=row["question"],
        verdict=row["verdict"],
        answer=row["answer"],
        passages=tuple(
            CitedPassage(p["source"], p["paragraph"], p["text"])
            for p in json.loads(row["passages"])
        ),
    )
