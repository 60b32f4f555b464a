"""What the briefing does cover near a question it cannot answer: names and dates to ask about.

"Not in the briefing" is only useful with a way forward. The passages closest to the
question name people, places and dates; those the briefing covers best are offered, in the
user's language, so the next question can be one it answers. Names are found by their
capitals (no language model): runs of capitalised words, not sentence openers on their own,
not stopwords, months or weekdays.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import cache

from index.articles.dates import DateRange, dates_in_text
from index.articles.metadata import month_number
from index.records import Hit
from index.retrieval.lexical import fold, stopwords_of_every_language
from index.retrieval.question import Question
from index.retrieval.speakers import alike, name_key

MAX_NAMES = 4
MAX_DATES = 2
_WORD = r"[^\W\d_][^\W_'’-]*(?:[-'’][^\W\d_]+)*"
_WORD_IN = re.compile(_WORD)
_OPENING = " «»\"“”‘’'(–—-"
# Weekdays, forms of address, agencies and the titles that run into names in wire copy
# ("Minister Sergei Lavrov"): capitalised, but not what a reader would ask about.
_NOT_NAMES = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday lundi mardi mercredi jeudi "
    "vendredi samedi dimanche mr mrs ms dr mme tass reuters afp minister ministre ministry "
    "ministere director directeur department departement affairs deputy president "
    "vice-president ambassador ambassadeur secretary secretaire office prosecutor general "
    "official spokesman spokeswoman chairman head chef".split()
)


def suggestions(hits: Sequence[Hit], question: Question) -> list[str]:
    """The names and dates the passages closest to the question mention most, best first.

    People (names of two words or more) count three times; spellings of one name (Russia,
    Russie, Russian) count as one; names already in the question are left out.
    """
    asked = question.name_keys
    names: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    dates: Counter[DateRange] = Counter()
    for rank, hit in enumerate(hits):
        weight = len(hits) - rank
        for name in names_in(hit.passage.text):
            key = _known_key(name_key(name), spelled)
            if not asked & {name_key(word) for word in name.split()}:
                names[key] += weight * (3 if " " in name else 1)
                spelled.setdefault(key, name)
        for found in dates_in_text(hit.passage.text):
            dates[found] += weight * (2 if found.start == found.end else 1)
    chosen = [spelled[key] for key, _ in names.most_common(MAX_NAMES)]
    days: list[DateRange] = []
    for found, _ in dates.most_common():
        if len(days) < MAX_DATES and not any(found.overlaps(day) for day in days):
            days.append(found)  # "22 décembre 2017", not "décembre 2017" too
    return chosen + [day.phrase for day in days]


def _known_key(key: str, known: dict[str, str]) -> str:
    """``key``, or the key of a name already seen that is spelled nearly the same."""
    for other in known:
        if key == other or (min(len(key), len(other)) > 4 and alike(key, other)):
            return other
    return key


def names_in(text: str) -> list[str]:
    """Capitalised names in ``text``: "Sergei Lavrov", "Boris Johnson", "London"."""
    found: list[str] = []
    for sentence in re.split(r"(?<=[.!?»”\"])\s+", text):
        run: list[re.Match[str]] = []
        for match in _WORD_IN.finditer(sentence):
            adjacent = bool(run) and not sentence[run[-1].end() : match.start()].strip()
            if not adjacent:
                _keep(run, found)
                run = []
            if match.group(0)[0].isupper() and _meaningful(match.group(0)):
                run.append(match)
            else:
                _keep(run, found)
                run = []
        _keep(run, found)
    return found


def _keep(run: list[re.Match[str]], found: list[str]) -> None:
    """Adds a run of capitalised words as names, unless it is a lone sentence opener.

    Wire copy runs places into names ("Russia Andrey Krutskikh"): a run of three or more
    words is taken as a name of its last two and, if one word is left, that word.
    """
    if not run or (len(run) == 1 and not run[0].string[: run[0].start()].strip(_OPENING)):
        return
    words = [_capitalised(re.sub(r"['’]s$", "", match.group(0))) for match in run]
    if len(words) >= 3:
        head, words = words[:-2], words[-2:]
        if len(head) == 1:
            found.append(head[0])
    found.append(" ".join(words))


def _capitalised(word: str) -> str:
    """``LONDRES`` in a dateline is ``Londres``; acronyms (``IIB``, ``RIA``) stay."""
    return word.capitalize() if word.isupper() and len(word) > 3 else word


def _meaningful(word: str) -> bool:
    folded = fold(word)
    return (
        len(folded) > 2
        and folded not in _NOT_NAMES
        and folded not in _common_words()
        and month_number(word) is None
    )


@cache
def _common_words() -> frozenset[str]:
    return stopwords_of_every_language()
