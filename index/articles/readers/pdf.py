"""PDF (``.pdf``): the text of every page, with where each page starts.

pypdf gives a page's text as lines cut where the layout wrapped them. Lines are joined back
into paragraphs: a line ends its paragraph when the next one is blank, or when it ends a
sentence well short of the page's usual line width. Words hyphenated across lines are joined,
and a line that is only a page number is dropped. A report locked with an owner password only
(printing or copying restricted) opens with the empty password, as PDF viewers open it.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Mapping

import pypdf
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

from index.articles.metadata import article_date, read_header
from index.articles.readers.base import (
    Extracted,
    Unreadable,
    digest_of,
    iso_date,
    short_title,
    tidy_paragraphs,
)

# A line shorter than this share of the page's longest line ends its paragraph when it ends a
# sentence; the last line of a paragraph is usually short, the lines inside it full. A line
# shorter still ends it whatever its last character: a heading.
_SHORT_LINE = 0.8
_HEADING_LINE = 0.6
# What PDF makers put in /Title when the author gave none.
_NO_TITLE = re.compile(r"(?i)^(?:untitled|microsoft word - .*|.*\.(?:docx?|pdf|odt|rtf|txt))$")
_SENTENCE_END = re.compile(r"[.!?…:;\"'”»)]\s*$")
_PAGE_NUMBER = re.compile(r"\s*(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?\s*", re.IGNORECASE)
_HYPHENATED = re.compile(r"(\w)-$")
_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})(\d{2})")

logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed but readable files are common


def read(data: bytes) -> list[Extracted]:
    """The article of a PDF: the text of its pages, its title and date where the file has them.

    Raises:
        Unreadable: Damaged, encrypted with a password, or with no text (scanned images).
    """
    reader = _open(data)
    texts = [_page_text(page, number) for number, page in enumerate(reader.pages, start=1)]
    pages, parts, position = [], [], 0
    for text in texts:
        pages.append(position)
        if text:
            parts.append(text)
            position += len(text) + 2  # the blank line after it
    if not parts:
        raise Unreadable(
            f"no text in its {len(texts)} page{'s' if len(texts) != 1 else ''}: a scan or "
            "images only (run it through OCR, e.g. ocrmypdf, and add the result)"
        )
    info = _metadata(reader)
    text = "\n\n".join(parts)
    header = read_header(text)  # a heading on its own line is the title, as in a text file
    body_date = article_date(header.line_date, text[header.body_start :])
    return [
        Extracted(
            text=text,
            body_start=header.body_start,
            digest=digest_of(data),
            title=_title(info.get("/Title")) or header.title,
            date=body_date or _date(info.get("/CreationDate")),
            origin=short_title(info.get("/Author")),
            pages=tuple(pages),
        )
    ]


def _open(data: bytes) -> pypdf.PdfReader:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise Unreadable(
                "encrypted with a password: save an unlocked copy (print to PDF) and add that"
            )
        len(reader.pages)  # reads the page tree: a broken one fails here, not later
    except Unreadable:  # a ValueError too: not to be caught as a damaged file below
        raise
    except (FileNotDecryptedError, DependencyError) as error:
        raise Unreadable(f"encrypted in a way that cannot be opened ({error})") from None
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as error:
        raise Unreadable(f"not a readable PDF ({_reason(error)})") from None
    return reader


def _page_text(page: pypdf.PageObject, number: int) -> str:
    """The text of one page as paragraphs; empty when it has none or cannot be read."""
    try:
        raw = page.extract_text()
    except Exception:  # one bad page (a broken font, a bad stream) must not cost the others
        logging.getLogger(__name__).info("page %d has no readable text", number)
        return ""
    lines = [line.rstrip() for line in raw.splitlines()]
    lines = [line for line in lines if not _PAGE_NUMBER.fullmatch(line)]
    return _paragraphs(lines)


def _paragraphs(lines: list[str]) -> str:
    """Lines wrapped by the layout joined back into paragraphs (see the module's docstring)."""
    width = max((len(line) for line in lines), default=0)
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if not line.strip():
            paragraphs.append(current)
            current = ""
            continue
        hyphenated = _HYPHENATED.search(current)
        if hyphenated and line.lstrip()[:1].islower():
            current = current[:-1] + line.lstrip()
        else:
            current = f"{current} {line.strip()}" if current else line.strip()
        ends = _SENTENCE_END.search(line) is not None
        if len(line) < (_SHORT_LINE if ends else _HEADING_LINE) * width:
            paragraphs.append(current)
            current = ""
    paragraphs.append(current)
    return tidy_paragraphs(paragraphs)


def _metadata(reader: pypdf.PdfReader) -> dict[str, str]:
    try:
        info: Mapping[object, object] = reader.metadata or {}
        return {str(key): str(value) for key, value in info.items()}
    except (PdfReadError, ValueError, KeyError, TypeError):
        return {}


def _title(value: str | None) -> str | None:
    title = short_title(value)
    return None if title is None or _NO_TITLE.match(title) else title


def _date(value: str | None) -> str | None:
    """``YYYY-MM-DD`` of a PDF date such as ``D:20260312101500Z``."""
    match = _PDF_DATE.match(value or "")
    return iso_date(f"{match[1]}-{match[2]}-{match[3]}") if match else None


def _reason(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text if len(text) <= 120 else text[:119] + "…"
