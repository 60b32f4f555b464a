"""Reading the seeds folder: every article file, read by the reader of its format, described.

Text and Markdown files, saved web pages, PDFs, Word documents, e-mails and feeds are read
(``index.articles.readers``); a feed gives one article per entry. Whatever the folder holds,
one bad file costs only itself: it is skipped with a warning that names it and says why, and
every other article is indexed. Bad means a format the briefing does not read, a file its reader
cannot read (not UTF-8, binary, encrypted, scanned without text, damaged, empty), too big, a
name that cannot be shown on one line, not a regular file (a FIFO), a symbolic link that leads
out of the folder, or the same text as an article before it in path order (indexed once, under
the first name).

Symbolic links: a link to a file is followed when the file it resolves to is inside the seeds
folder (so a folder of links into ``.store/`` or ``.git/annex/`` works; a link to another
article is that article's duplicate), and refused when it leads outside, so nobody can publish
``/etc/passwd`` by linking it. Links to folders are never followed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from index.articles.apart import run_apart
from index.articles.metadata import article_agency, article_date, detect_language, title_from_body
from index.articles.readers import SUFFIXES, Extracted, Unreadable, read_articles
from index.articles.readers.formats import TEXT_SUFFIXES, prune_text_cache
from index.cache import model_cache_dir
from index.errors import IndexWriteError, SeedsError
from index.records import Article

logger = logging.getLogger("index.ingest")  # the stage, as logs name it

ARTICLE_SUFFIXES = SUFFIXES

MAX_ARTICLE_BYTES = 5_000_000
"""Bigger text files, and articles with more text than this many characters, are skipped. The
longest wire stories and reports are well under 1 MB; 5 MB of text is some 800,000 words,
several thousand passages and many minutes of embedding on a small machine, for one file that is
almost certainly a dump or a mistake rather than an article."""

MAX_FILE_BYTES = 50_000_000
"""Bigger files of other formats are skipped: a PDF or a Word document also holds its images
and fonts, so its file is many times its text; past this it is a scanned book or a mistake."""

_UNSHOWABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True, slots=True)
class Document:
    """An article with its full text as Python reads it, and where its body starts."""

    article: Article
    text: str
    body_start: int


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file of the seeds folder that was not indexed, and why.

    Attributes:
        source: Its path relative to the seeds folder, control characters escaped.
        reason: Why, in words; the manifest keeps it.
        duplicate_of: The article with the same text, when that is the reason.
    """

    source: str
    reason: str
    duplicate_of: str | None = None


@dataclass(frozen=True, slots=True)
class Ingested:
    """Everything read from the seeds folder."""

    documents: list[Document]
    skipped: list[SkippedFile]


def find_article_files(seeds_dir: Path) -> list[Path]:
    """Every file under ``seeds_dir``, recursively, in a stable order; those of formats the
    briefing does not read are skipped with a reason when read.

    Names starting with a dot are left out, as are links to folders (see ``scan_seeds``).
    """
    return scan_seeds(seeds_dir)[0]


def scan_seeds(seeds_dir: Path) -> tuple[list[Path], list[SkippedFile]]:
    """The article files under ``seeds_dir``, and the links to folders that were not followed.

    Links to folders are never followed: one inside the folder would only add duplicates, one
    outside would let in files nobody put in the briefing. Links to files are checked when read.

    Raises:
        SeedsError: ``seeds_dir`` does not exist or is not a folder.
    """
    if seeds_dir.exists() and not seeds_dir.is_dir():
        raise SeedsError(
            f"{seeds_dir} is a file, not a folder: point --seeds / BRIEFING_SEEDS_DIR at the "
            "folder that holds the articles"
        )
    if not seeds_dir.is_dir():
        raise SeedsError(
            f"seeds folder {seeds_dir} does not exist: create it and put articles (.txt, .md, "
            ".html, .pdf, .docx, .eml, feeds) in it, or point --seeds / BRIEFING_SEEDS_DIR at "
            "the folder that holds them"
        )
    files: list[Path] = []
    refused: list[SkippedFile] = []

    def unreadable(error: OSError) -> None:
        folder = Path(error.filename or seeds_dir)
        reason = f"a folder that cannot be read ({error.strerror})"
        refused.append(SkippedFile(shown_source(folder, seeds_dir) or ".", reason))

    # os.walk does not descend into links to folders; it reports them among the folders.
    for folder, subfolders, names in os.walk(seeds_dir, onerror=unreadable):
        base = Path(folder)
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        for name in subfolders:
            if (base / name).is_symlink():
                refused.append(
                    SkippedFile(
                        shown_source(base / name, seeds_dir),
                        "a symbolic link to a folder: not followed (move the folder itself "
                        "into the seeds folder)",
                    )
                )
        files.extend(base / name for name in names if not name.startswith("."))
    order = sorted(files, key=lambda path: path.relative_to(seeds_dir).as_posix())
    return order, sorted(refused, key=lambda skip: skip.source)


def shown_source(path: Path, seeds_dir: Path) -> str:
    """The path relative to ``seeds_dir`` with control characters and undecodable bytes escaped,
    so that it prints on one line and can be written as UTF-8."""
    relative = os.fsencode(path.relative_to(seeds_dir).as_posix())
    return _escaped(relative.decode("utf-8", "backslashreplace"))


def _escaped(text: str) -> str:
    return _UNSHOWABLE.sub(lambda match: ascii(match[0])[1:-1], text)


def read_document(path: Path, seeds_dir: Path, max_bytes: int = MAX_ARTICLE_BYTES) -> Document:
    """The first (for all but a feed, the one) article of a file; see ``read_documents``."""
    return read_documents(path, seeds_dir, max_bytes)[0]


def read_documents(
    path: Path, seeds_dir: Path, max_bytes: int = MAX_ARTICLE_BYTES
) -> list[Document]:
    """Reads one file of the seeds folder and derives its articles' metadata.

    Raises:
        ValueError: The file is not an article that can be indexed; the message says why
            (``Unreadable`` when its reader says so).
        OSError: The file cannot be read.
        IndexWriteError: Language detection cannot unpack its model (a full cache or
            temporary folder).
    """
    source = path.relative_to(seeds_dir).as_posix()
    if _UNSHOWABLE.search(source):
        raise ValueError("its name holds control characters or bytes that are not UTF-8: rename it")
    is_text = path.suffix.lower() in TEXT_SUFFIXES
    data = read_article_bytes(path, seeds_dir, max_bytes if is_text else MAX_FILE_BYTES)
    return documents_of(data, source, max_bytes)


def documents_of(data: bytes, source: str, max_chars: int = MAX_ARTICLE_BYTES) -> list[Document]:
    """The articles of a file's bytes, as if it were ``source`` under the seeds folder (the bot
    reads what it is sent this way before saving it).

    Raises:
        Unreadable: The file's reader cannot read it.
        IndexWriteError: Language detection cannot unpack its model.
    """
    if data.startswith(b"%PDF-") or PurePosixPath(source).suffix.lower() not in TEXT_SUFFIXES:
        if len(data) > MAX_FILE_BYTES:
            raise Unreadable(_too_big(len(data), MAX_FILE_BYTES))
    elif len(data) > max_chars:
        raise Unreadable(_too_big(len(data), max_chars))
    return [_document(found, source) for found in read_articles(data, source, max_chars)]


def _document(found: Extracted, source: str) -> Document:
    body = found.text[found.body_start :]
    if not body.strip():
        raise Unreadable("the file has a title but no text")
    try:
        language = detect_language(body)
    except OSError as error:  # not this file's fault: the build cannot go on without it
        raise IndexWriteError(
            f"cannot detect the articles' languages ({error.strerror}): the language model is "
            f"unpacked on first use into {model_cache_dir()}, through the temporary folder "
            f"{tempfile.gettempdir()}: free some space there, or set XDG_CACHE_HOME and TMPDIR "
            "to folders with room"
        ) from error
    article = Article(
        source=source if found.key is None else f"{source}#{found.key}",
        title=found.title or title_from_body(body),
        date=found.date or article_date(None, body),
        agency=article_agency(body) or found.origin,
        language=language,
        sha256=found.digest,
        link=found.link,
        pages=found.pages,
        text_sha256=hashlib.sha256(body.strip().encode()).hexdigest(),
    )
    return Document(article, found.text, found.body_start)


def read_article_bytes(path: Path, seeds_dir: Path, max_bytes: int = MAX_ARTICLE_BYTES) -> bytes:
    """The bytes of one article file, if it is a regular file inside ``seeds_dir`` and not too big.

    A symbolic link is followed only to a file inside the seeds folder: the check is made on the
    link's target before opening and again on the file actually opened, so a link swapped in
    between cannot lead out.

    Raises:
        ValueError: The file leads out of the folder, is not a regular file, or is too big.
        OSError: The file cannot be read.
    """
    root = seeds_dir.resolve()
    target = Path(os.path.realpath(path))
    _check_inside(target, root)
    if path.is_symlink() and not target.exists():
        raise ValueError(f"a broken symbolic link (to {_escaped(str(target))})")
    descriptor = os.open(path, _OPEN_FLAGS)  # non-blocking: a FIFO must not hang the build
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file")
        _check_inside(_opened_path(descriptor, path), root)
        if info.st_size > max_bytes:
            raise ValueError(_too_big(info.st_size, max_bytes))
        with os.fdopen(os.dup(descriptor), "rb") as file:
            data = file.read(max_bytes + 1)  # the file may have grown since fstat
    finally:
        os.close(descriptor)
    if len(data) > max_bytes:
        raise ValueError(_too_big(len(data), max_bytes))
    return data


def _check_inside(target: Path, root: Path) -> None:
    if not target.is_relative_to(root):
        raise ValueError(
            f"a symbolic link to {_escaped(str(target))}, outside the seeds folder: refused "
            "(copy the article into the folder instead)"
        )


def _opened_path(descriptor: int, path: Path) -> Path:
    """The real path of the file behind ``descriptor``, from /proc where there is one."""
    try:
        return Path(os.readlink(f"/proc/self/fd/{descriptor}"))
    except OSError:
        return Path(os.path.realpath(path))


def _too_big(size: int, limit: int) -> str:
    return f"{size / 1e6:.1f} MB, over the {limit / 1e6:g} MB limit for one article: split it up"


def ingest(seeds_dir: Path, max_bytes: int = MAX_ARTICLE_BYTES, apart: bool = False) -> Ingested:
    """Reads every article under ``seeds_dir``; bad files are skipped with a warning.

    A file with the same text as one before it (in path order) is skipped as its duplicate, so
    the briefing holds each article once. ``apart``: read in a process of its own
    (``index.articles.apart``), as the bot does.
    """
    if apart:
        ingested = run_apart(read_seeds, seeds_dir, max_bytes)
    else:
        ingested = read_seeds(seeds_dir, max_bytes)
    for skip in ingested.skipped:
        logger.warning("skipped %s: %s", skip.source, skip.reason)
    return ingested


def read_seeds(seeds_dir: Path, max_bytes: int = MAX_ARTICLE_BYTES) -> Ingested:
    """What ``ingest`` reads, without its warnings."""
    paths, skipped = scan_seeds(seeds_dir)
    documents: list[Document] = []
    first_with_text: dict[str, str] = {}
    for path in paths:
        source = shown_source(path, seeds_dir)
        try:
            found = read_documents(path, seeds_dir, max_bytes)
        except (ValueError, OSError) as error:
            skipped.append(SkippedFile(source, _escaped(str(error))))
            continue
        for document in found:
            key, name = document.article.text_sha256, document.article.source
            original = first_with_text.setdefault(key, name)
            if original != name:
                reason = f"the same text as {original}, which is indexed in its place"
                skipped.append(SkippedFile(_escaped(name), reason, duplicate_of=original))
                continue
            documents.append(document)
    prune_text_cache()
    return Ingested(documents, skipped)
