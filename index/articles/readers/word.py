"""Word documents (``.docx``): the paragraphs and tables of the body, in order.

The title is the document's Title (or first Heading) paragraph, else its core property; the
date and author come from its core properties. The older binary ``.doc`` is not read: Word and
LibreOffice save it as ``.docx``.
"""

from __future__ import annotations

import io
import zipfile

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from index.articles.readers.base import (
    Extracted,
    Unreadable,
    digest_of,
    iso_date,
    short_title,
    tidy_paragraphs,
)

# What python-docx raises for a file that is no Word document or a damaged one.
_BROKEN = (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.LxmlError)


def read(data: bytes) -> list[Extracted]:
    """The article of a Word document.

    Raises:
        Unreadable: Not a Word document, damaged, or without text.
    """
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(document.iter_inner_content())
        properties = document.core_properties
        title_property, author, created = properties.title, properties.author, properties.created
    except _BROKEN as error:
        reason = str(error).strip() or type(error).__name__
        raise Unreadable(f"not a readable Word document ({reason})") from None
    title, paragraphs = _title_and_paragraphs(blocks)
    text = tidy_paragraphs(paragraphs)
    if not text:
        raise Unreadable("a Word document without text")
    return [
        Extracted(
            text=text,
            body_start=0,
            digest=digest_of(data),
            title=title or short_title(title_property),
            date=iso_date(created),
            origin=short_title(author),
        )
    ]


def _title_and_paragraphs(blocks: list[Paragraph | Table]) -> tuple[str | None, list[str]]:
    """The first Title or Heading paragraph before any text, and the text of the rest."""
    title: str | None = None
    paragraphs: list[str] = []
    for block in blocks:
        if isinstance(block, Table):
            paragraphs.extend(_rows(block))
            continue
        style = (block.style.name if block.style is not None else "") or ""
        if title is None and not any(p.strip() for p in paragraphs) and _is_heading(style):
            title = short_title(block.text)
            continue
        paragraphs.append(block.text)
    return title, paragraphs


def _is_heading(style: str) -> bool:
    return style == "Title" or style.startswith("Heading")


def _rows(table: Table) -> list[str]:
    """Each row of a table as one paragraph, its cells separated by " | "."""
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if text and (not cells or cells[-1] != text):  # merged cells repeat their text
                cells.append(text)
        rows.append(" | ".join(cells))
    return rows
