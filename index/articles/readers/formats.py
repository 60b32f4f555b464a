"""Which reader reads a file: by its content where that is unmistakable, else by its extension."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import importlib.metadata
import io
import json
import logging
import os
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path, PurePosixPath

from index.articles.readers.base import Extracted, Unreadable
from index.cache import text_cache_dir

Read = Callable[[bytes], list[Extracted]]

# Extension -> the reader module (imported when first needed: `ask` never loads them).
_BY_SUFFIX = {
    ".txt": "text",
    ".md": "text",
    ".markdown": "text",
    ".html": "webpage",
    ".htm": "webpage",
    ".xhtml": "webpage",
    ".pdf": "pdf",
    ".docx": "word",
    ".eml": "mail",
    ".rss": "feed",
    ".atom": "feed",
    ".xml": "feed",
}
SUFFIXES = tuple(_BY_SUFFIX)
"""The extensions of the files the briefing reads."""

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
"""Formats whose bytes are the text itself (their size is limited like the text's)."""

CACHE_DAYS = 30
"""A file's cached text is kept this long after the last build that read it."""

_NAMES = {
    "text": "text",
    "webpage": "web page",
    "pdf": "PDF",
    "word": "Word document",
    "mail": "e-mail",
    "feed": "feed",
}


def format_of(name: str, data: bytes) -> str | None:
    """The reader for a file called ``name`` holding ``data``; None for an unknown format.

    A PDF or a Word document is recognised whatever its name (a report saved as ``.txt``);
    other formats are told by their extension.
    """
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") and _is_word(data):
        return "word"
    return _BY_SUFFIX.get(PurePosixPath(name).suffix.lower())


def read_articles(data: bytes, name: str, max_chars: int) -> list[Extracted]:
    """The articles in the file ``name`` holding ``data``.

    Raises:
        Unreadable: An unknown format, or a file its reader cannot read; or an article over
            ``max_chars`` characters of text.
    """
    kind = format_of(name, data)
    if kind is None:
        suffix = PurePosixPath(name).suffix or "no extension"
        raise Unreadable(
            f"not a format the briefing reads ({suffix}): it reads {', '.join(SUFFIXES)}"
        )
    articles = _cached(kind, data)
    for article in articles:
        if len(article.text) > max_chars:
            raise Unreadable(
                f"{len(article.text):,} characters of text in one article, over the "
                f"{max_chars:,} limit: split it up"
            )
    return articles


def _cached(kind: str, data: bytes) -> list[Extracted]:
    """The reader's articles of ``data``, from the cache when this reader (the same code, the
    same library) read the same bytes before: a rebuild parses only new and changed files.
    Text files are read directly (reading them is cheaper than the cache). A cache that cannot
    be read or written is passed by."""
    module = importlib.import_module(f"index.articles.readers.{kind}")
    read: Read = module.read
    if kind == "text":
        return read(data)
    path = text_cache_dir() / f"{hashlib.sha256(data).hexdigest()}-{_reader_key(kind)}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        found = [Extracted(**{**row, "pages": tuple(row["pages"])}) for row in stored]
        os.utime(path)  # in use: not pruned
        return found
    except (OSError, ValueError, TypeError, KeyError):
        pass
    articles = read(data)  # Unreadable is not cached: the message may change with the code
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_text(json.dumps([asdict(a) for a in articles]), encoding="utf-8")
        os.replace(temporary, path)
    except OSError as error:
        logging.getLogger(__name__).debug("text of a %s not cached: %s", kind, error)
    return articles


def prune_text_cache(max_age_days: float = CACHE_DAYS) -> None:
    """Removes the cached text of files no build has read for ``max_age_days``."""
    oldest = time.time() - max_age_days * 86_400
    try:
        entries = list(text_cache_dir().iterdir())
    except OSError:
        return
    for entry in entries:
        with contextlib.suppress(OSError):
            if entry.stat().st_mtime < oldest:
                entry.unlink()


@functools.cache
def _reader_key(kind: str) -> str:
    """What the reader's results depend on: its code, the shared code, its library's version."""
    folder = Path(__file__).parent
    digest = hashlib.sha256()
    for name in (f"{kind}.py", "base.py", "webpage.py"):
        digest.update((folder / name).read_bytes())
    for library in _LIBRARIES[kind]:
        digest.update(importlib.metadata.version(library).encode())
    return digest.hexdigest()[:16]


_LIBRARIES = {
    "webpage": ("trafilatura", "lxml"),
    "pdf": ("pypdf",),
    "word": ("python-docx",),
    "mail": ("trafilatura", "lxml"),
    "feed": ("feedparser", "lxml"),
}


def format_name(name: str, data: bytes) -> str:
    """What the file is, in words: ``PDF``, ``web page``."""
    return _NAMES.get(format_of(name, data) or "", "file")


def _is_word(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
