"""The small SQLite files kept beside the index (readers' verdicts, follows and digests).

Beside the index folder, so a rebuild (which swaps the folder) leaves them alone. The bot and
the command line may use one at the same time: WAL mode (readers never wait for the writer),
short explicit transactions, and a writer finding the file locked waits up to ``BUSY_SECONDS``.
Each call opens its own connection, so any thread may use it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

from index.errors import BriefingError

BUSY_SECONDS = 5.0


def beside(index_dir: Path, suffix: str) -> Path:
    """``var/index`` → ``var/index.<suffix>``: a file that outlives rebuilds of the folder."""
    folder = index_dir if index_dir.name else index_dir.resolve()
    return folder.with_name(f"{folder.name}.{suffix}")


@contextmanager
def database(
    path: Path,
    *,
    create: bool,
    schema: Sequence[str],
    version: int,
    failure: type[BriefingError],
    name: str,
) -> Iterator[sqlite3.Connection]:
    """A connection to the database at ``path`` in autocommit mode (transactions are explicit),
    its schema made in a new file, closed afterwards.

    Raises:
        BriefingError: A ``failure`` naming the database (``name``) and what to do, for any
            SQLite or file error, a file of another format (``version``) included.
    """
    mode = "rwc" if create else "rw"
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        with closing(
            sqlite3.connect(
                f"{path.resolve().as_uri()}?mode={mode}",
                uri=True,
                timeout=BUSY_SECONDS,
                isolation_level=None,
            )
        ) as connection:
            connection.row_factory = sqlite3.Row
            # WAL without an fsync per commit: a power cut may lose the last writes but never
            # damages the file, and concurrent writers do not queue behind the disk.
            connection.execute("PRAGMA synchronous = NORMAL")
            _prepare(connection, schema, version)
            yield connection
    except (sqlite3.Error, OSError) as error:
        raise failure(
            f"{name} {path} cannot be used ({error}): check that it is writable and has room, "
            "or move it away to start a new one"
        ) from error


def _prepare(connection: sqlite3.Connection, schema: Sequence[str], version: int) -> None:
    """Makes the schema in a new file; refuses a file of another format."""
    found = connection.execute("PRAGMA user_version").fetchone()[0]
    if found == version:
        return
    if found != 0:
        raise sqlite3.DatabaseError(f"format version {found}, not {version}")
    connection.execute("PRAGMA journal_mode = WAL")  # stays set in the file
    connection.execute("BEGIN IMMEDIATE")
    for statement in schema:
        connection.execute(statement)
    connection.execute(f"PRAGMA user_version = {version}")
    connection.execute("COMMIT")
