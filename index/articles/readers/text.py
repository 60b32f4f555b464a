"""Plain text and Markdown (``.txt``, ``.md``): the file as it is, its metadata from its head.

The head may be Markdown front matter (``---`` lines around ``title:``, ``date:``, ``source:``,
``link:``, as note apps and static sites write it; the bot writes posts it is sent this way) or
wire copy's conventions: a ``date 2018-05`` marker, a title line, a date line
(``index.articles.metadata``). Offsets are into the text exactly as ``Path.read_text(
encoding="utf-8")`` returns it, so passages can be checked against the file.
"""

from __future__ import annotations

import re

import yaml

from index.articles.metadata import article_date, read_header
from index.articles.readers.base import Extracted, Unreadable, digest_of, iso_date, short_title

# A text file may hold the odd control character (a form feed, a stray escape); a file in
# which more than this share of the characters are controls is binary, whatever its encoding.
_MAX_CONTROL_SHARE = 0.05
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])
_FRONT_MATTER = re.compile(r"\ufeff?---[ \t]*\n(.*?\n)---[ \t]*(?:\n|$)", re.DOTALL)


def read(data: bytes) -> list[Extracted]:
    """The one article of a text file.

    Raises:
        Unreadable: Not UTF-8, binary, or empty.
    """
    try:
        text = decode_article_text(data)
    except UnicodeDecodeError as error:
        _check_is_not_binary(data)
        raise Unreadable(f"not UTF-8 text (byte {error.start} cannot be decoded)") from None
    _check_is_text(text)
    fields, start = _front_matter(text)
    header = read_header(text[start:])
    body_start = start + header.body_start
    date = iso_date(_field(fields, "date")) or header.marker_date or header.line_date
    return [
        Extracted(
            text=text,
            body_start=body_start,
            digest=digest_of(data),
            title=short_title(fields.get("title")) or header.title,
            date=article_date(date, text[body_start:]),
            origin=_field(fields, "source", "author", "publisher"),
            link=_field(fields, "link", "url", "source_url"),
        )
    ]


def decode_article_text(data: bytes) -> str:
    """The text exactly as ``Path.read_text(encoding="utf-8")`` returns it.

    The BOM stays as U+FEFF and CRLF or CR become LF, so offsets into this string are offsets
    into what any Python reader of the file sees.
    """
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _front_matter(text: str) -> tuple[dict[str, object], int]:
    """The fields of a leading ``---`` block of YAML, and where the text after it starts; no
    fields and 0 when there is none or it is not a mapping (a Markdown rule, say)."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, 0
    try:
        fields = yaml.safe_load(match[1])
    except yaml.YAMLError:
        return {}, 0
    if not isinstance(fields, dict):
        return {}, 0
    return {str(key).lower(): value for key, value in fields.items()}, match.end()


def _field(fields: dict[str, object], *names: str) -> str | None:
    """The first of ``names`` the front matter gives, as one line of text."""
    for name in names:
        value = fields.get(name)
        if isinstance(value, list) and value:
            value = value[0]
        if value is not None and not isinstance(value, dict):
            return short_title(str(value))
    return None


def _check_is_text(text: str) -> None:
    """Raises Unreadable if ``text`` is empty or is a binary file that happens to be UTF-8."""
    if not text.strip("\ufeff \t\n"):
        raise Unreadable("the file is empty")
    if "\x00" in text:
        raise Unreadable("holds NUL bytes: a binary file, or UTF-16 text (save it as UTF-8)")
    controls = len(_CONTROL.findall(text))
    if controls > _MAX_CONTROL_SHARE * len(text):
        raise Unreadable(f"{controls} of its {len(text)} characters are control characters: binary")


def _check_is_not_binary(data: bytes) -> None:
    """Raises Unreadable if bytes that are not UTF-8 are UTF-16 or binary rather than text in
    another encoding (Latin-1, Windows-1252), which has neither NUL bytes nor many controls."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Unreadable("UTF-16 text: save it as UTF-8")
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if b"\x00" in data or controls > _MAX_CONTROL_SHARE * len(data):
        raise Unreadable("a binary file (an image, a PDF, an archive?), not a text article")
