"""What an article's text says about itself: title, date, agency and language.

Wire copy carries its metadata in conventions rather than fields: a short title line, a
``date 2018-05`` marker, a line that holds only a date (``12 March 2026``) above or below the
title, a dateline such as ``LONDRES, le 26 mai. /TASS/.``. Each function here reads one
convention and returns None when the text does not follow it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import cache

import blingfire
from babel.dates import get_day_names, get_month_names

from index.articles.langid_model import classify

# Locales whose month names a dateline may use; Babel gives genitive forms (Russian "мая").
_DATELINE_LOCALES = ("en", "fr", "de", "es", "it", "pt", "nl", "pl", "ru", "uk")
_TITLE_MAX_WORDS = 20
_TITLE_MAX_CHARS = 90

_DATE_MARKER = re.compile(r"date[ \t]+(\d{4})-(\d{2})(?:-(\d{2}))?\b[ \t]*", re.IGNORECASE)
_CAPS = r"[A-ZÀ-ÖØ-ÞА-ЯЁ]"
_PLACE = rf"{_CAPS}[A-ZÀ-ÖØ-ÞА-ЯЁ'’. -]*{_CAPS}"
_DATELINE_DAY_MONTH = re.compile(
    rf"{_PLACE},\s+(?:(?:le|am|el|il)\s+)?(?P<day>\d{{1,2}})(?:er|\.)?\s+(?P<month>[^\W\d_]+\.?)"
)
_DATELINE_MONTH_DAY = re.compile(rf"{_PLACE},\s+(?P<month>[^\W\d_]+\.?)\s+(?P<day>\d{{1,2}})\b")
# A line that is a date and nothing else: "2026-03-12", "Thursday, 12 March 2026", "March 12,
# 2026", "le 12 mars 2026", "12. März 2026", "12 марта 2026 года", "12 de marzo de 2026".
_WEEKDAY = r"(?:(?P<weekday>[^\W\d_]+\.?),?\s+)?"
_DATE_LINES = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})",
        rf"(?:(?:le|am|el|il)\s+)?{_WEEKDAY}(?P<day>\d{{1,2}})(?:er|st|nd|rd|th|\.)?\s+(?:de\s+)?"
        r"(?P<month>[^\W\d_]+\.?)\s+(?:de\s+)?(?P<year>\d{4})(?:\s+года|\s*г\.)?",
        rf"{_WEEKDAY}(?P<month>[^\W\d_]+\.?)\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})",
    )
)
_PLACE_ONLY = re.compile(rf"{_PLACE}(?=\s+\(|\s*/)")
_AGENCY_AFTER_DATELINE = re.compile(
    r"[\s.,]*(?:/\s*(?P<slashed>[A-ZА-ЯЁ][\w-]{1,15})\s*/"
    r"|\((?P<parenthesised>[A-Z][\w.]{1,15})\))[\s.:–—-]*"
)


@dataclass(frozen=True, slots=True)
class Header:
    """Metadata found at the head of a text, and where the article's body starts."""

    title: str | None
    marker_date: str | None
    body_start: int
    line_date: str | None = None


def read_header(text: str) -> Header:
    """Reads a leading ``date`` marker, a title line and a date line just above or below the
    title, if the text has them.

    The body starts after all of them, so none becomes passage text.
    """
    position = _skip_space(text, 0)
    marker_date = None
    marker = _DATE_MARKER.match(text, position)
    if marker:
        year, month, day = marker.groups()
        marker_date = f"{year}-{month}" + (f"-{day}" if day else "")
        position = _skip_space(text, marker.end())
    line_date, position = _date_line(text, position)
    line_end = text.find("\n", position)
    title = _as_title_line(text[position:line_end]) if line_end != -1 else None
    if title is None:
        return Header(None, marker_date, position, line_date)
    position = _skip_space(text, line_end)
    if line_date is None:
        line_date, position = _date_line(text, position)
    return Header(title, marker_date, position, line_date)


def _date_line(text: str, position: int) -> tuple[str | None, int]:
    """The date of a line at ``position`` that holds a date alone, and where the next line
    starts; None and ``position`` when the line is something else."""
    line_end = text.find("\n", position)
    written = _written_date(text[position:line_end]) if line_end != -1 else None
    return (written, _skip_space(text, line_end)) if written else (None, position)


def _written_date(line: str) -> str | None:
    """``YYYY-MM-DD`` of a line that is a date and nothing else, such as ``12 mars 2026``."""
    for pattern in _DATE_LINES:
        match = pattern.fullmatch(line.strip())
        if match is None:
            continue
        weekday = match.groupdict().get("weekday")
        if weekday and weekday.lower().rstrip(".") not in _weekday_names():
            return None
        month = int(match["month"]) if match["month"].isdigit() else month_number(match["month"])
        try:
            return datetime.date(int(match["year"]), month or 0, int(match["day"])).isoformat()
        except ValueError:  # 31 February, or a word that is no month
            return None
    return None


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and (text[position].isspace() or text[position] == "\ufeff"):
        position += 1
    return position


def _as_title_line(line: str) -> str | None:
    title = line.strip().lstrip("#").strip()
    if not title or len(title.split()) > _TITLE_MAX_WORDS or title[-1] in ".!?…:;,":
        return None
    return title


def title_from_body(body: str) -> str:
    """The first sentence of the body without its dateline, shortened to a readable title."""
    sentence = _first_sentence(_strip_dateline(body))
    sentence = sentence.rstrip(" .!?…:;,")
    if len(sentence) <= _TITLE_MAX_CHARS:
        return sentence
    cut = sentence.rfind(" ", 0, _TITLE_MAX_CHARS)
    return sentence[: cut if cut > 0 else _TITLE_MAX_CHARS].rstrip(" ,;:–-") + "…"


def _first_sentence(text: str) -> str:
    first_paragraph = text.strip().split("\n", 1)[0]
    if not first_paragraph:
        return ""
    _, offsets = blingfire.text_to_sentences_and_offsets(first_paragraph)
    start, end = offsets[0] if offsets else (0, len(first_paragraph))
    return str(first_paragraph[start:end])


def _strip_dateline(body: str) -> str:
    """Drops ``PLACE, le 26 mai. /TASS/.`` or ``PLACE, May 26 (Reuters) -`` from a body."""
    return body[_dateline(body)[0] :]


def _dateline(body: str) -> tuple[int, str | None]:
    """Where the text after a dateline starts, and the agency the dateline names."""
    head = _dateline_match(body) or _PLACE_ONLY.match(body)
    position = head.end() if head else 0
    agency = _AGENCY_AFTER_DATELINE.match(body, position)
    if agency:
        return agency.end(), agency["slashed"] or agency["parenthesised"]
    if head is None:
        return 0, None
    return position + len(body[position:]) - len(body[position:].lstrip(" .,:–—-")), None


def _dateline_match(body: str) -> re.Match[str] | None:
    for pattern in (_DATELINE_DAY_MONTH, _DATELINE_MONTH_DAY):
        match = pattern.match(body)
        if match and month_number(match["month"]) is not None:
            return match
    return None


def dateline_date(body: str) -> tuple[int, int] | None:
    """(month, day) from a dateline at the start of the body, such as ``LONDRES, le 26 mai``."""
    match = _dateline_match(body)
    if match is None:
        return None
    month, day = month_number(match["month"]), int(match["day"])
    if month is None or not 1 <= day <= 31:
        return None
    return month, day


def month_number(name: str) -> int | None:
    """The month a name or abbreviation stands for in any of the dateline locales."""
    return _month_names().get(name.lower().rstrip("."))


def calendar_word(name: str) -> bool:
    """Whether a word names a month or a weekday in any of the dateline locales."""
    return month_number(name) is not None or name.lower().rstrip(".") in _weekday_names()


@cache
def _month_names() -> dict[str, int]:
    names: dict[str, int] = {}
    for locale in _DATELINE_LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                months = get_month_names(width, context=context, locale=locale)
                for number, name in months.items():
                    names.setdefault(name.lower().rstrip("."), number)
    return names


@cache
def _weekday_names() -> frozenset[str]:
    return frozenset(
        name.lower().rstrip(".")
        for locale in _DATELINE_LOCALES
        for width in ("wide", "abbreviated")
        for name in get_day_names(width, locale=locale).values()
    )


def article_date(marker_date: str | None, body: str) -> str | None:
    """The most precise date the marker and the dateline agree on.

    A ``date 2018-05`` marker and a ``le 26 mai`` dateline give ``2018-05-26``; a dateline
    alone gives ``--05-26`` (ISO 8601 without a year).
    """
    from_dateline = dateline_date(body)
    if marker_date is None:
        return None if from_dateline is None else f"--{from_dateline[0]:02d}-{from_dateline[1]:02d}"
    if from_dateline is None or len(marker_date) > len("YYYY-MM"):
        return marker_date
    month, day = from_dateline
    return f"{marker_date}-{day:02d}" if int(marker_date[5:7]) == month else marker_date


def article_agency(body: str) -> str | None:
    """The agency named in the dateline: ``/TASS/`` or ``LONDON (Reuters) -``."""
    return _dateline(body[:300])[1]


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's main language."""
    return classify(text[:10_000])
