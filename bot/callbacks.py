"""Every button's ``callback_data``: made here and read back here, nowhere else.

A button carries what its press needs, in at most Telegram's 64 bytes: a letter for what it
does, its numbers, and the stamp of the index it was made from, so a rebuilt index makes old
buttons stale rather than wrong. Only what ``Callback.data`` writes parses back: ASCII digits
without leading zeros, answers and pages from 1, nothing before or after (not even the newline
a ``$`` would let through). The longest, an article page, takes 2 + 12 + 1 + 9 + 1 + 6 + 1 + 8
= 40 bytes; a digest page 2 + 17 + 1 + 6 + 1 + 8 = 35.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from index.feedback import Verdict

Kind = Literal["passage", "more", "sources", "context", "article", "verdict", "digest"]

# What each kind of button carries, in order after its letter; the stamp comes last.
_LAYOUT: dict[Kind, tuple[str, tuple[str, ...]]] = {
    "passage": ("p", ("passage",)),  # a passage on its own (timelines, answers of old)
    "more": ("m", ("answer", "page")),  # a page of an answer's further passages
    "sources": ("s", ("page",)),  # a page of the article list
    "context": ("c", ("answer", "passage")),  # a cited passage among its paragraphs
    "article": ("a", ("answer", "passage", "page")),  # a page of a cited passage's article
    "verdict": ("f", ("answer", "verdict")),  # 👍 or 👎 under an answer
    "digest": ("g", ("period", "page")),  # a page of a digest
}
_FIELD = {
    "answer": "[1-9][0-9]{0,11}",
    "passage": "(?:0|[1-9][0-9]{0,8})",
    "page": "[1-9][0-9]{0,5}",
    "verdict": "[ud]",
    "period": "(?:all|[0-9]{8}-[0-9]{8})",
}
_VERDICTS: dict[str, Verdict] = {"u": "up", "d": "down"}
_LETTERS = {verdict: letter for letter, verdict in _VERDICTS.items()}
_CALLBACK = re.compile(
    "(?:"
    + "|".join(
        f"(?P<{kind}>{letter}" + "".join(f":{_FIELD[name]}" for name in fields) + ")"
        for kind, (letter, fields) in _LAYOUT.items()
    )
    + "):(?P<stamp>[0-9a-f]{8})"
)
ANSWER_KEYS = 10**12  # answer numbers run below this: what the field above has room for


@dataclass(frozen=True, slots=True)
class Callback:
    """A button: what it does, the numbers it carries (0 where it carries none), its index.

    Attributes:
        kind: What the button does.
        stamp: The index the button was made from.
        answer: The answer whose button it is (``more``, ``context``, ``article``, ``verdict``).
        passage: The passage it shows (``passage``, ``context``, ``article``).
        page: From 1 (``more``, ``sources``, ``article``).
        verdict: What a ``verdict`` button says of its answer.
        period: The days a ``digest`` page covers (``index.answering.digest.Period.code``).
    """

    kind: Kind
    stamp: str
    answer: int = 0
    passage: int = 0
    page: int = 0
    verdict: Verdict | None = None
    period: str = ""

    @property
    def data(self) -> str:
        """The button's ``callback_data``."""
        letter, fields = _LAYOUT[self.kind]
        values = [self._field(name) for name in fields]
        return ":".join([letter, *values, self.stamp])

    def _field(self, name: str) -> str:
        if name == "verdict":
            assert self.verdict is not None, "a verdict button says up or down"
            return _LETTERS[self.verdict]
        if name == "period":
            return self.period
        return str(getattr(self, name))


def passage_data(passage_id: int, stamp: str) -> str:
    """A button showing passage ``passage_id`` on its own."""
    return Callback("passage", stamp, passage=passage_id).data


def more_data(answer_id: int, page: int, stamp: str) -> str:
    """A button to page ``page`` of answer ``answer_id``'s further passages."""
    return Callback("more", stamp, answer=answer_id, page=page).data


def sources_data(page: int, stamp: str) -> str:
    """A button to page ``page`` of the article list."""
    return Callback("sources", stamp, page=page).data


def context_data(answer_id: int, passage_id: int, stamp: str) -> str:
    """A button showing passage ``passage_id`` in context, answer ``answer_id``'s quotes bold."""
    return Callback("context", stamp, answer=answer_id, passage=passage_id).data


def article_data(answer_id: int, passage_id: int, page: int, stamp: str) -> str:
    """A button to page ``page`` of the article of passage ``passage_id``."""
    return Callback("article", stamp, answer=answer_id, passage=passage_id, page=page).data


def verdict_data(answer_id: int, verdict: Verdict, stamp: str) -> str:
    """A 👍 or 👎 button under answer ``answer_id``."""
    return Callback("verdict", stamp, answer=answer_id, verdict=verdict).data


def digest_data(period: str, page: int, stamp: str) -> str:
    """A button to page ``page`` of the digest of ``period`` (its code)."""
    return Callback("digest", stamp, period=period, page=page).data


def parse_callback(data: str | None) -> Callback | None:
    """The button a callback_data stands for; None for anything this bot did not make."""
    match = _CALLBACK.fullmatch(data or "")
    if match is None:
        return None
    kind = next(kind for kind in _LAYOUT if match[kind])
    _, fields = _LAYOUT[kind]
    values = dict(zip(fields, match[kind].split(":")[1:], strict=True))
    return Callback(
        kind,
        match["stamp"],
        answer=int(values.get("answer", 0)),
        passage=int(values.get("passage", 0)),
        page=int(values.get("page", 0)),
        verdict=_VERDICTS[values["verdict"]] if "verdict" in values else None,
        period=values.get("period", ""),
    )
