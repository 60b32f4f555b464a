"""Who said what: the speaker a question asks about, and the sentences that quote them.

Names cross languages in several spellings (Sergei, Sergueï, Сергей; Lavrov, Lawrow,
Лавров); they are compared by a phonetic key: transliterated to ASCII, a few spelling
conventions merged, then matched with a similarity ratio.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from enum import IntEnum
from functools import cache, lru_cache

from anyascii import anyascii

from index.articles.metadata import calendar_word
from index.retrieval.lexical import fold, stopwords_of_every_language

# Words of a question that ask for someone's words or views, folded, in several languages.
_ASKING_VERBS = frozenset(
    """say says said saying think thinks thought believe believes claim claims claimed
    state stated states tell told comment commented position view views opinion opinions
    stance declare declared announce announced mean meant react reacted respond
    responded dit dire dise declare declaree pense penser pensait estime affirme
    affirmait selon avis annonce repondu reagi gesagt sagte sagt sagen denkt dachte
    meint meinte erklart erklarte behauptet dijo dice decir piensa penso opina afirmo
    declaro disse diz pensa afferma сказал сказала сказали говорит заявил заявила
    заявили считает думает думал ответил""".split()
)

# Words of a passage that attribute speech: stems, folded, matched at the start of a word.
_SPEECH_STEMS = (
    "said",
    "say",
    "state",
    "told",
    "tell",
    "add",
    "note",
    "declar",
    "announc",
    "stress",
    "emphasi",
    "explain",
    "insist",
    "warn",
    "accord",
    "comment",
    "claim",
    "argu",
    "confirm",
    "reject",
    "deni",
    "interview",
    "dit",
    "ajout",
    "soulign",
    "indiqu",
    "annonc",
    "estim",
    "affirm",
    "precis",
    "selon",
    "confirm",
    "sagt",
    "gesagt",
    "erklar",
    "betont",
    "dijo",
    "afirm",
    "segun",
    "заяв",
    "сказа",
    "отмет",
    "подчеркн",
    "по словам",
)
_QUOTE_MARKS = '«»“”„"‹›「」'
_QUESTION_WORDS = frozenset(
    """what which who whom whose when where why how does did do has have had is was about
    que qu quoi qui quel quelle quels quelles est ce sur a t il elle au sujet de la le
    les was wer wie hat haben uber zu der die das que qué quien dijo sobre el la los las
    что кто как о об про""".split()
)
_TOPIC_PREPOSITIONS = frozenset(
    """about on regarding concerning in of at for with to sur de du des en pour avec uber
    zum zur von im mit fur sobre del con para о об про в во на с""".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu)['’]", re.IGNORECASE)
_NEAR = 3
_SIMILAR = 0.8


class Attribution(IntEnum):
    """How directly a sentence puts words in a speaker's mouth."""

    NONE = 0
    MENTION = 1  # the speaker and a speech word in one sentence, far apart
    DIRECT = 2  # "Lavrov said", "a déclaré Lavrov", "according to Lavrov"


def asked_speaker(question: str) -> str | None:
    """Name key of who a "what did X say / think" question asks about, or None.

    The speaker is the last content word before any preposition that starts the topic:
    "Maria Zakharova", "the Russian embassy" (in London), "Lavrov" (about Berlin).
    """
    folded = [fold(word) for word in _WORD.findall(question)]
    if not any(word in _ASKING_VERBS for word in folded):
        return None
    speaker: list[str] = []
    for position, word in enumerate(_WORD.findall(question)):
        key = folded[position]
        if key in _TOPIC_PREPOSITIONS and speaker:
            break
        if key not in _ASKING_VERBS and key not in _QUESTION_WORDS and len(key) > 1:
            speaker.append(word)
    return name_key(speaker[-1]) if speaker else None


@cache
def name_key(word: str) -> str:
    """A spelling-tolerant key: ``Lawrow``, ``Лавров`` and ``Lavrov`` give the same."""
    word = _ELISION.sub("", word)  # l'ambassade, d'Angleterre
    key = re.sub(r"[^a-z]", "", anyascii(word).casefold())
    for spelling, common in (("tsch", "ch"), ("sch", "sh"), ("ch", "kh"), ("w", "v"), ("ou", "u")):
        key = key.replace(spelling, common)
    return key.replace("j", "y")


def same_name(key: str, other: str) -> bool:
    """Whether two name keys are one name spelled nearly alike (``lavrov``, ``lavrow``)."""
    if key == other:
        return True
    if min(len(key), len(other)) < 4:
        return False
    return alike(key, other)


@lru_cache(maxsize=4096)
def alike(key: str, other: str) -> bool:
    """Whether two name keys are 0.8 alike or more (difflib's ratio), the cheap upper bounds
    of the ratio tried first: most pairs of names differ in length or letters at once, and a
    briefing's names meet the same names question after question (hence the cache)."""
    total = len(key) + len(other)
    if not total or 2 * min(len(key), len(other)) / total < _SIMILAR:
        return False
    matcher = SequenceMatcher(None, key, other)
    return matcher.quick_ratio() >= _SIMILAR and matcher.ratio() >= _SIMILAR


def attribution(sentence: str, speaker: str) -> Attribution:
    """How strongly ``sentence`` attributes speech to ``speaker`` (a name key)."""
    words = _WORD.findall(sentence)
    named = [i for i, word in enumerate(words) if same_name(name_key(word), speaker)]
    if not named:
        return Attribution.NONE
    folded = [fold(word) for word in words]
    speech = [i for i, word in enumerate(folded) if word.startswith(_SPEECH_STEMS)]
    if any(abs(s - n) <= _NEAR for s in speech for n in named):
        return Attribution.DIRECT
    if speech or any(mark in sentence for mark in _QUOTE_MARKS):
        return Attribution.MENTION
    return Attribution.NONE


def speakers_in(sentence: str) -> list[str]:
    """The names a sentence quotes, as written: a capitalised word next to a word of speech,
    or before it with an auxiliary between ("Lavrov said", "a déclaré Lavrov", "Zakharova has
    told", "заявил Лавров", "selon Lavrov"); months and weekdays are no names.
    """
    words = _WORD.findall(sentence)
    folded = [fold(word) for word in words]
    found: list[str] = []
    for at, word in enumerate(folded):
        if not word.startswith(_SPEECH_STEMS):
            continue
        for step in (-1, 1):
            near = at + step
            if step < 0 and near >= 0 and len(folded[near]) <= 3 and words[near].islower():
                near += step  # an auxiliary between: "has said", "a déclaré"
            if 0 <= near < len(words) and _named(words[near], folded[near]):
                found.append(words[near])
    return found


def _named(word: str, folded: str) -> bool:
    """Whether a word can be a name: capitalised, not a word of speech, a common word, a
    month or a weekday."""
    return (
        word[0].isupper()
        and len(folded) > 2
        and not folded.startswith(_SPEECH_STEMS)
        and folded not in stopwords_of_every_language()
        and not calendar_word(word)
    )


def opens_quote(sentence: str) -> bool:
    """True if the sentence opens a quotation it does not close."""
    return _quote_balance(sentence) > 0


def closes_quote(sentence: str) -> bool:
    """True if the sentence closes a quotation it did not open."""
    return _quote_balance(sentence) < 0


def _quote_balance(sentence: str) -> int:
    balance = sentence.count("«") + sentence.count("“") + sentence.count("„")
    balance -= sentence.count("»") + sentence.count("”")
    if balance == 0 and sentence.count('"') % 2 == 1:
        return 1 if sentence.lstrip().startswith('"') else -1
    return balance
