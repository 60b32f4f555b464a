"""Articles sent to the bot: checked, saved under the seeds folder, and taken out again.

What is sent is read the way the build reads the folder (``documents_of``) before anything is
saved, so a file that would be skipped is refused with the same reason and never lands in the
folder. Saved files go to ``telegram/`` under the seeds folder, under the name they were sent
with, made safe (no folders, no leading dot, no control characters) and unique; a file is written
under a hidden name and renamed, so a build running meanwhile never reads half of it. Removing
moves a file into ``telegram/.removed/`` (which builds do not read): nothing is deleted.
"""

from __future__ import annotations

import datetime
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from index.articles.ingest import Document, SkippedFile, documents_of
from index.errors import ArticleNotFoundError, ArticleRejectedError, IndexWriteError
from index.records import Article, file_of

UPLOAD_FOLDER = "telegram"
REMOVED_FOLDER = ".removed"
_NAME_MAX = 80
_UNSAFE = re.compile(r"[^\w.\-+()\[\] ]+")
_DASHES = re.compile(r"[\s_-]*-[\s_-]*|\s+")


@dataclass(frozen=True, slots=True)
class Added:
    """What adding a file did.

    Attributes:
        source: Where it was saved, relative to the seeds folder (what ``/remove`` takes).
        articles: Its articles as the new index holds them (a feed has several).
        passages: How many passages they make.
        skipped: Why its articles are not in the new index, when the build skipped them.
    """

    source: str
    articles: list[Article]
    passages: int
    skipped: list[SkippedFile]


@dataclass(frozen=True, slots=True)
class Removed:
    """What removing a file did: its articles, as the index held them, and where it went."""

    source: str
    articles: list[Article]
    moved_to: Path


def check_upload(name: str, data: bytes, articles: list[Article]) -> list[Document]:
    """The articles of a file about to be added, if it can be added.

    Args:
        name: The name it was sent with.
        data: Its bytes.
        articles: The articles of the briefing now, to refuse one it already holds.

    Raises:
        ArticleRejectedError: It cannot be read (the reason the build would give), or every
            article in it is already in the briefing.
        IndexWriteError: Language detection cannot unpack its model.
    """
    try:
        documents = documents_of(data, f"{UPLOAD_FOLDER}/{safe_name(name)}")
    except ValueError as error:
        raise ArticleRejectedError(str(error)) from None
    held = {article.text_sha256: article for article in articles}
    new = [doc for doc in documents if doc.article.text_sha256 not in held]
    if not new:
        same = held[documents[0].article.text_sha256]
        raise ArticleRejectedError(
            f"already in the briefing as {same.source} ({same.title})"
            if len(documents) == 1
            else f"all {len(documents)} of its articles are already in the briefing"
        )
    return new


def save_upload(seeds_dir: Path, name: str, data: bytes) -> str:
    """Writes ``data`` under ``telegram/`` in the seeds folder; returns its source name.

    Raises:
        IndexWriteError: The folder cannot be written (read-only, full).
    """
    folder = seeds_dir / UPLOAD_FOLDER
    try:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=".adding-", dir=folder)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        target = _unique(folder, safe_name(name))
        os.replace(temporary, target)
    except OSError as error:
        raise IndexWriteError(
            f"cannot save the article in {folder} ({error.strerror}): the seeds folder must be "
            "writable by the bot to add articles"
        ) from error
    return target.relative_to(seeds_dir).as_posix()


def remove_upload(seeds_dir: Path, source: str) -> Path:
    """Moves an article added in Telegram into ``telegram/.removed/``; returns where it went.

    Raises:
        ArticleNotFoundError: ``source`` is not a file added in Telegram.
        IndexWriteError: It cannot be moved.
    """
    relative = PurePosixPath(file_of(source))
    if relative.parts[:1] != (UPLOAD_FOLDER,) or len(relative.parts) != 2:
        raise ArticleNotFoundError(
            f"{source} was not added in Telegram: only those can be removed here (remove other "
            "articles from the seeds folder on the server)"
        )
    path = seeds_dir / relative
    if relative.name.startswith(".") or not path.is_file():
        raise ArticleNotFoundError(f"no article {relative} in the briefing")
    removed = seeds_dir / UPLOAD_FOLDER / REMOVED_FOLDER
    try:
        removed.mkdir(exist_ok=True)
        target = _unique(removed, relative.name)
        os.replace(path, target)
    except OSError as error:
        raise IndexWriteError(f"cannot move {relative} out ({error.strerror})") from error
    return target


def post_text(
    text: str,
    *,
    date: datetime.datetime | None = None,
    source: str | None = None,
    link: str | None = None,
) -> bytes:
    """A post or pasted text as a Markdown file whose front matter keeps its date, channel and
    link (read back by ``index.articles.readers.text``)."""
    fields = {
        "date": date.date().isoformat() if date else None,
        "source": source,
        "link": link,
    }
    kept = {key: value for key, value in fields.items() if value}
    head = f"---\n{yaml.safe_dump(kept, allow_unicode=True, sort_keys=False)}---\n" if kept else ""
    return (head + text.strip() + "\n").encode()


def post_name(text: str, date: datetime.datetime, source: str | None = None) -> str:
    """``2026-12-06-port-of-tromso-reopens.md``: a file name for a post or a pasted text."""
    words = "-".join(text.strip().split("\n", 1)[0].split()[:6])
    stem = f"{date.date().isoformat()}-{source + '-' if source else ''}{words}"
    return safe_name(stem.lower()[:_NAME_MAX]) + ".md"


def safe_name(name: str) -> str:
    """A file name that stays in its folder and shows on one line: no folders, no leading dot,
    no control characters, words joined by dashes, at most ``_NAME_MAX`` characters."""
    name = unicodedata.normalize("NFC", PurePosixPath(name.replace("\\", "/")).name)
    stem, suffix = os.path.splitext(name)
    stem = _DASHES.sub("-", _UNSAFE.sub("-", stem)).strip(".- ") or "article"
    suffix = _UNSAFE.sub("", suffix.lower())[:10]
    return stem[: _NAME_MAX - len(suffix)].rstrip(".- ") + suffix


def added_files(articles: list[Article]) -> list[str]:
    """The files of the briefing that were added in Telegram, in name order."""
    return sorted({a.file for a in articles if a.file.startswith(f"{UPLOAD_FOLDER}/")})


def _unique(folder: Path, name: str) -> Path:
    """``folder / name``, or ``name-2``, ``name-3``… when that exists."""
    stem, suffix = os.path.splitext(name)
    target, n = folder / name, 1
    while target.exists():
        n += 1
        target = folder / f"{stem}-{n}{suffix}"
    return target
