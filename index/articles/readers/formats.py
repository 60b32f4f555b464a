"""Which reader reads a file: by its content where that is unmistakable, else by its extension."""

from __future__ import annotations

import importlib
import io
import zipfile
from collections.abc import Callable
from pathlib import PurePosixPath

from index.articles.readers.base import Extracted, Unreadable

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
    read: Read = importlib.import_module(f"index.articles.readers.{kind}").read
    articles = read(data)
    for article in articles:
        if len(article.text) > max_chars:
            raise Unreadable(
                f"{len(article.text):,} characters of text in one article, over the "
                f"{max_chars:,} limit: split it up"
            )
    return articles


def format_name(name: str, data: bytes) -> str:
    """What the file is, in words: ``PDF``, ``web page``."""
    return _NAMES.get(format_of(name, data) or "", "file")


def _is_word(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
