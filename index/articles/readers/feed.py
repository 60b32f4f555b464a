"""Feeds (``.rss``, ``.atom``, ``.xml``): every entry one article, with its link, date and title.

An entry's text is its full content where the feed carries it, else its summary. An entry is
named within the file by its id (or link, or title), so the same entry keeps its name and its
vectors when the feed gains newer entries; an entry without text is left out.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import feedparser

from index.articles.readers.base import (
    Extracted,
    Unreadable,
    digest_of,
    iso_date,
    short_title,
    tidy_paragraphs,
)
from index.articles.readers.webpage import fragment_text


def read(data: bytes) -> list[Extracted]:
    """The articles of a feed, in the feed's order.

    Raises:
        Unreadable: Not a feed, no entries, or no entry with text.
    """
    parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=False)
    if not parsed.version and not parsed.entries:
        problem = parsed.get("bozo_exception")
        detail = f" ({str(problem).strip()})" if problem else ""
        raise Unreadable(f"not an RSS or Atom feed{detail}")
    if not parsed.entries:
        raise Unreadable("a feed with no entries")
    origin = short_title(parsed.feed.get("title"))
    articles: list[Extracted] = []
    keys: set[str] = set()
    for entry in parsed.entries:
        article = _entry(entry, origin)
        if article is not None and article.key not in keys:
            keys.add(str(article.key))
            articles.append(article)
    if not articles:
        raise Unreadable(f"none of its {len(parsed.entries)} entries has any text")
    return articles


def _entry(entry: Any, origin: str | None) -> Extracted | None:
    text = _text(entry)
    if not text:
        return None
    title = short_title(entry.get("title"))
    link = entry.get("link") or None
    name = entry.get("id") or link or title or text[:200]
    date = _date(entry.get("published_parsed") or entry.get("updated_parsed"))
    record = "\n".join(str(part) for part in (name, title, link, date, text))
    return Extracted(
        text=text,
        body_start=0,
        digest=digest_of(record.encode()),
        title=title,
        date=date,
        origin=origin,
        link=link,
        key=hashlib.sha1(str(name).encode(), usedforsecurity=False).hexdigest()[:10],
    )


def _text(entry: Any) -> str:
    """The entry's full content, else its summary, as paragraphs."""
    for content in [*entry.get("content", []), entry.get("summary_detail")]:
        if not content or not content.get("value", "").strip():
            continue
        value = str(content["value"])
        if "html" in str(content.get("type", "text/html")):
            return fragment_text(value)
        return tidy_paragraphs(value.split("\n\n"))
    return ""


def _date(parsed: time.struct_time | None) -> str | None:
    return iso_date(time.strftime("%Y-%m-%d", parsed)) if parsed else None
