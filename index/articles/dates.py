"""Time in questions and passages: "in May 2018", "last week", "en décembre 2017", "depuis lundi".

No language model reads the question, so the time phrases people use in English and French are
recognised by rule. Relative phrases ("last week", "since Monday") are relative to the newest
article of the briefing, not to today: a briefing is read as of its latest news. Dates written
in passages ("le 22 décembre 2017", "in 2015") are read with the same rules, so a question about
December 2017 finds the passage that tells of it in an article dated May 2018.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from index.articles.metadata import month_number

_MONTH = r"(?P<month>[^\W\d_]{3,}\.?)"
_YEAR = r"(?P<year>(?:1[89]|20)\d\d)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|er|\.)?"
_WEEKDAYS = {
    name: number
    for names in (
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    )
    for number, name in enumerate(names)
}
_UNITS = {
    "day": 1, "days": 1, "jour": 1, "jours": 1,
    "week": 7, "weeks": 7, "semaine": 7, "semaines": 7,
    "month": 30, "months": 30, "mois": 30,
    "year": 365, "years": 365, "an": 365, "ans": 365, "année": 365, "années": 365,
}  # fmt: skip
_NUMBERS = {"one": 1, "two": 2, "three": 3, "un": 1, "une": 1, "deux": 2, "trois": 3}

_FULL_DATE = (
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?\b", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?\b", re.IGNORECASE),
)
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\s+(?:of\s+|de\s+)?{_YEAR}\b", re.IGNORECASE)
# A month alone must follow a preposition: "in May", "en mai"; "what may happen" is no date.
_MONTH_ALONE = re.compile(
    rf"\b(?:in|during|of|since|before|after|en|depuis|avant|après|au mois de)\s+{_MONTH}\b",
    re.IGNORECASE,
)
_YEAR_ALONE = re.compile(rf"\b{_YEAR}\b")
# What comes just before a date turns it into an open range: "since May", "avant 2018".
_OPEN_BEFORE = re.compile(
    r"\b(?P<word>since|before|after|depuis|avant|après)\s+(?:(?:le|the|in|en)\s+)?$",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(r"\b(?:since|depuis)\s+(?:last\s+)?(?P<weekday>[^\W\d_]+)\b", re.IGNORECASE)
_LAST_N = re.compile(
    r"\b(?:(?:in|over|during)\s+the\s+(?:last|past)|(?:ces|les)|au cours des)\s+"
    r"(?P<count>\d+|one|two|three|un|une|deux|trois)?\s*(?:derni(?:er|ère)s\s+)?"
    r"(?P<unit>days?|weeks?|months?|years?|jours?|semaines?|mois|ans|années?)"
    r"(?:\s+derni(?:er|ère)s)?\b",
    re.IGNORECASE,
)
_RELATIVE = [
    (re.compile(pattern, re.IGNORECASE), kind)
    for pattern, kind in (
        (r"\b(?:last|past|previous) week\b|\bla semaine (?:dernière|passée)\b", "last week"),
        (r"\bthis week\b|\bcette semaine\b", "this week"),
        (r"\b(?:last|past|previous) month\b|\ble mois (?:dernier|passé)\b", "last month"),
        (r"\bthis month\b|\bce mois(?:-ci)?\b", "this month"),
        (r"\b(?:last|past|previous) year\b|\bl['’]an(?:née)? (?:derni|pass)\w*", "last year"),
        (r"\bthis year\b|\bcette année\b", "this year"),
        (r"\byesterday\b|\bhier\b", "yesterday"),
        (r"\btoday\b|\baujourd['’]hui\b", "today"),
    )
]  # fmt: skip
_LATEST = re.compile(
    r"\b(?:now|latest|newest|current(?:ly)?|recent(?:ly)?|lately|so far|maintenant|"
    r"actuellement|récemment|récente?s?|en ce moment|dernières nouvelles|à présent)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class DateRange:
    """Days from ``start`` to ``end``, both included, and the words that named them."""

    start: date
    end: date
    phrase: str = ""

    def overlaps(self, other: DateRange) -> bool:
        """True when the two ranges share at least one day."""
        return self.start <= other.end and other.start <= self.end


@dataclass(frozen=True, slots=True)
class TimeIntent:
    """What a question asks about time: a range of days, and whether it wants the latest news."""

    range: DateRange | None
    latest: bool


def question_time(question: str, reference: date) -> TimeIntent:
    """The time a question asks about, with relative phrases counted back from ``reference``."""
    found = _relative_range(question, reference) or _absolute_range(question, reference)
    return TimeIntent(found, found is None and bool(_LATEST.search(question)))


def dates_in_text(text: str, reference: date | None = None) -> list[DateRange]:
    """The dates a passage mentions: "22 December 2017", "mai 2018", "in 2015".

    A date without a year ("le 23 mai") takes the latest such day at or before ``reference``
    (the article's date); without a reference it is left out.
    """
    ranges: list[DateRange] = []
    taken: list[tuple[int, int]] = []
    for pattern in (*_FULL_DATE, _MONTH_YEAR, _YEAR_ALONE):
        for match in pattern.finditer(text):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue
            found = _from_match(match, reference)
            if found is not None:
                ranges.append(found)
                taken.append(match.span())
    return ranges


def article_range(iso: str | None) -> DateRange | None:
    """The days an article date covers (``2018-05-26``, ``2018-05``, ``2018``); None if yearless."""
    if not iso or iso.startswith("--"):
        return None
    parts = [int(part) for part in iso.split("-")]
    return _span(*parts, phrase=iso)


def _relative_range(question: str, reference: date) -> DateRange | None:
    for pattern, kind in _RELATIVE:
        match = pattern.search(question)
        if match:
            return _relative(kind, reference, match.group(0))
    match = _LAST_N.search(question)
    if match:
        count = match["count"] or "1"
        days = _UNITS[match["unit"].lower()] * int(_NUMBERS.get(count.lower(), count))
        return DateRange(reference - timedelta(days=days - 1), reference, match.group(0))
    match = _WEEKDAY.search(question)
    if match and match["weekday"].lower() in _WEEKDAYS:
        back = (reference.weekday() - _WEEKDAYS[match["weekday"].lower()]) % 7
        return DateRange(reference - timedelta(days=back), reference, match.group(0))
    return None


def _relative(kind: str, reference: date, phrase: str) -> DateRange:
    monday = reference - timedelta(days=reference.weekday())
    first = reference.replace(day=1)
    previous_month_end = first - timedelta(days=1)
    spans = {
        "last week": (monday - timedelta(days=7), monday - timedelta(days=1)),
        "this week": (monday, reference),
        "last month": (previous_month_end.replace(day=1), previous_month_end),
        "this month": (first, reference),
        "last year": (date(reference.year - 1, 1, 1), date(reference.year - 1, 12, 31)),
        "this year": (date(reference.year, 1, 1), reference),
        "yesterday": (reference - timedelta(days=1), reference - timedelta(days=1)),
        "today": (reference, reference),
    }
    start, end = spans[kind]
    return DateRange(start, end, phrase)


def _absolute_range(question: str, reference: date) -> DateRange | None:
    for pattern in (*_FULL_DATE, _MONTH_YEAR, _MONTH_ALONE, _YEAR_ALONE):
        for match in pattern.finditer(question):
            found = _from_match(match, reference)
            if found is None:
                continue
            opened = _OPEN_BEFORE.search(question, 0, match.start())
            if opened is None:
                return found
            phrase = question[opened.start() : match.end()]
            word = opened["word"].lower()
            if word in {"before", "avant"}:
                return DateRange(date(1900, 1, 1), found.start - timedelta(days=1), phrase)
            if word in {"after", "après"}:
                after = found.end + timedelta(days=1)
                return DateRange(after, max(reference, after), phrase)
            return DateRange(found.start, max(reference, found.end), phrase)
    return None


def _from_match(match: re.Match[str], reference: date | None) -> DateRange | None:
    groups = match.groupdict()
    month = month_number(groups["month"]) if groups.get("month") else None
    if groups.get("month") and month is None:
        return None
    year = int(groups["year"]) if groups.get("year") else None
    if year is None and reference is None:
        return None
    if year is None:
        assert reference is not None and month is not None
        # "in December", asked in May 2018: the December before, not the one to come.
        year = reference.year if month <= reference.month else reference.year - 1
    day = int(groups["day"]) if groups.get("day") else None
    if day is not None and (month is None or not 1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    return _span(year, month, day, phrase=match.group(0).strip())


def _span(year: int, month: int | None = None, day: int | None = None, *, phrase: str) -> DateRange:
    if month is None:
        return DateRange(date(year, 1, 1), date(year, 12, 31), phrase)
    if day is None:
        return DateRange(
            date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), phrase
        )
    return DateRange(date(year, month, day), date(year, month, day), phrase)
