"""What every reader returns, and how it says a file cannot be read."""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass

_BLANK_LINES = re.compile(r"\n\s*\n\s*")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


class Unreadable(ValueError):
    """The file cannot be read as an article of its format; the message says why, in words
    meant for the person who put it there (the build's report, the bot's reply)."""


@dataclass(frozen=True, slots=True)
class Extracted:
    """One article a reader found in a file.

    Attributes:
        text: The text passages are cut from, paragraphs separated by a blank line; passage
            offsets are offsets into it.
        body_start: Where the article's body starts in ``text`` (after a title line or front
            matter that are not to be quoted).
        digest: SHA-256 of the bytes this article was read from (the file's, or its feed
            entry's), to tell whether it changed since the last build.
        title: The title the file gives, or None to take it from the body.
        date: ISO date the file gives (``2026-03-12``), or None to read it from the body.
        origin: Who published it, where the file says: the site, the feed, the sender.
        link: Where it can be read online: the page's or the feed entry's address.
        pages: Where each page starts in ``text``, page 1 first (PDF); empty for other formats.
        key: For a file of several articles (a feed), a name for this one that stays the same
            when the file gains or loses other entries; None for a file of one article.
    """

    text: str
    body_start: int
    digest: str
    title: str | None = None
    date: str | None = None
    origin: str | None = None
    link: str | None = None
    pages: tuple[int, ...] = ()
    key: str | None = None


def digest_of(data: bytes) -> str:
    """SHA-256 of ``data`` in hex."""
    return hashlib.sha256(data).hexdigest()


def tidy_paragraphs(paragraphs: list[str]) -> str:
    """Paragraphs as one text: spaces collapsed, empty ones dropped, a blank line between."""
    kept = (_SPACES.sub(" ", paragraph).strip() for paragraph in paragraphs)
    return "\n\n".join(paragraph for paragraph in kept if paragraph)


def split_paragraphs(text: str) -> list[str]:
    """The paragraphs of a text whose paragraphs are separated by blank lines."""
    return _BLANK_LINES.split(text)


def iso_date(value: datetime.date | datetime.datetime | str | None) -> str | None:
    """``YYYY-MM-DD`` of a date, a datetime, or a string that starts with one."""
    if value is None:
        return None
    if isinstance(value, datetime.date):  # datetime is a date too
        return value.strftime("%Y-%m-%d")
    match = re.match(r"\d{4}-\d{2}(?:-\d{2})?", value.strip())
    return match[0] if match else None


def short_title(value: object) -> str | None:
    """A title as one line, or None when it is empty."""
    if not isinstance(value, str):
        return None
    title = " ".join(value.split())
    return title or None
