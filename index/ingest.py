"""Reading the seeds folder: every article file, decoded, hashed and described."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from index.errors import SeedsError
from index.metadata import (
    article_agency,
    article_date,
    detect_language,
    read_header,
    title_from_body,
)
from index.records import Article

logger = logging.getLogger(__name__)

ARTICLE_SUFFIXES = (".txt", ".md")


@dataclass(frozen=True, slots=True)
class Document:
    """An article with its full text as Python reads it, and where its body starts."""

    article: Article
    text: str
    body_start: int


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file of the seeds folder that could not be used, and why."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class Ingested:
    """Everything read from the seeds folder."""

    documents: list[Document]
    skipped: list[SkippedFile]


def find_article_files(seeds_dir: Path) -> list[Path]:
    """Every ``.txt`` and ``.md`` file under ``seeds_dir``, recursively, in a stable order."""
    if not seeds_dir.is_dir():
        raise SeedsError(
            f"seeds folder {seeds_dir} does not exist: create it and put articles (.txt, .md) "
            "in it, or point --seeds / BRIEFING_SEEDS_DIR at the folder that holds them"
        )
    files = (
        path
        for path in seeds_dir.rglob("*")
        if path.is_file()
        and path.suffix.lower() in ARTICLE_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(seeds_dir).parts)
    )
    return sorted(files, key=lambda path: path.relative_to(seeds_dir).as_posix())


def decode_article_text(data: bytes) -> str:
    """The text exactly as ``Path.read_text(encoding="utf-8")`` returns it.

    The BOM stays as U+FEFF and CRLF or CR become LF, so offsets into this string are offsets
    into what any Python reader of the file sees.
    """
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def read_document(path: Path, seeds_dir: Path) -> Document:
    """Reads one article file and derives its metadata from its text.

    Raises:
        UnicodeDecodeError: The file is not UTF-8.
        ValueError: The file holds no text.
    """
    data = path.read_bytes()
    text = decode_article_text(data)
    if not text.strip("\ufeff \t\n"):
        raise ValueError("the file is empty")
    header = read_header(text)
    body = text[header.body_start :]
    if not body.strip():
        raise ValueError("the file has a title but no text")
    article = Article(
        source=path.relative_to(seeds_dir).as_posix(),
        title=header.title or title_from_body(body),
        date=article_date(header.marker_date, body),
        agency=article_agency(body),
        language=detect_language(body),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    return Document(article, text, header.body_start)


def ingest(seeds_dir: Path) -> Ingested:
    """Reads every article under ``seeds_dir``; unreadable files are skipped with a warning."""
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    for path in find_article_files(seeds_dir):
        source = path.relative_to(seeds_dir).as_posix()
        try:
            documents.append(read_document(path, seeds_dir))
        except UnicodeDecodeError as error:
            skipped.append(
                SkippedFile(source, f"not UTF-8 text (byte {error.start} cannot be decoded)")
            )
        except (ValueError, OSError) as error:
            skipped.append(SkippedFile(source, str(error)))
    for skip in skipped:
        logger.warning("skipped %s: %s", skip.source, skip.reason)
    return Ingested(documents, skipped)
