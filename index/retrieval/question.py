"""A question, read once at the entrance into the value every stage takes.

Telegram, ``briefing-bot ask`` and ``briefing-bot chat`` pass what a person typed through
``read_question``, so the same message gets the same answer everywhere. It cleans the text
(invisible characters out, compatibility forms folded, spaces collapsed) and works out, once,
what the later stages ask of it: its language, the speaker a "what did X say" question is
about, the time it asks about, the kind of question (who, when, how many, what is …), and the
name keys of its words. It also tells apart what is not a question about the briefing: a
message with no words, one too long to be a question, and small talk ("hello", "merci !",
"what can you do?"), which gets a short friendly reply (``index.answering.replies``) rather
than a search.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import Literal

from index.articles.dates import TimeIntent, question_time
from index.articles.metadata import detect_language
from index.retrieval.lexical import fold, stopwords_of_every_language
from index.retrieval.speakers import asked_speaker, name_key

MAX_QUESTION = 1000

SmallTalk = Literal["greeting", "thanks", "ack", "farewell", "about"]
NotAQuestion = Literal["no words", "too long", "small talk"]
QuestionKind = Literal[
    "said", "what happened", "who", "what is", "when", "where", "how many", "other"
]

# Small talk by language: what people say to a bot that is not a question about the news.
# Written as a reader would type them; matched folded (no case, no accents, no punctuation).
_PHRASES: dict[str, dict[SmallTalk, tuple[str, ...]]] = {
    "en": {
        "greeting": ("hello", "hi", "hey", "hiya", "howdy", "yo", "greetings", "good morning",
                     "good afternoon", "good evening", "morning", "evening", "how are you",
                     "how are you doing", "how is it going", "whats up", "sup"),
        "thanks": ("thanks", "thank you", "thanks a lot", "thank you very much", "many thanks",
                   "thx", "ty", "cheers"),
        "ack": ("ok", "okay", "got it", "great", "cool", "nice", "perfect", "awesome", "yes",
                "no"),
        "farewell": ("bye", "goodbye", "good bye", "bye bye", "see you", "good night",
                     "see you later"),
        "about": ("help", "who are you", "what are you", "what can you do", "what do you do",
                  "how does this work", "start"),
    },
    "fr": {
        "greeting": ("bonjour", "bonsoir", "salut", "coucou", "ca va", "comment ca va",
                     "comment allez vous"),
        "thanks": ("merci", "merci beaucoup", "merci bien"),
        "ack": ("super", "parfait", "d accord", "genial", "oui", "non"),
        "farewell": ("au revoir", "a bientot", "bonne nuit", "bonne journee", "a plus"),
        "about": ("aide", "qui es tu", "qui etes vous", "que sais tu faire",
                  "que pouvez vous faire", "tu fais quoi"),
    },
    "de": {
        "greeting": ("hallo", "guten morgen", "guten tag", "guten abend", "servus", "moin",
                     "wie geht s", "wie geht es dir", "wie geht es ihnen"),
        "thanks": ("danke", "danke schon", "danke sehr", "vielen dank"),
        "ack": ("prima", "super", "alles klar", "ja", "nein"),
        "farewell": ("tschuss", "auf wiedersehen", "gute nacht", "bis bald"),
        "about": ("hilfe", "wer bist du", "was kannst du"),
    },
    "es": {
        "greeting": ("hola", "buenos dias", "buenas tardes", "buenas noches", "buenas",
                     "que tal", "como estas"),
        "thanks": ("gracias", "muchas gracias"),
        "ack": ("vale", "genial", "perfecto", "si"),
        "farewell": ("adios", "hasta luego", "hasta pronto", "chao"),
        "about": ("ayuda", "quien eres", "que puedes hacer"),
    },
    "it": {
        "greeting": ("ciao", "buongiorno", "buonasera", "salve", "come stai"),
        "thanks": ("grazie", "grazie mille"),
        "ack": ("perfetto", "va bene", "certo"),
        "farewell": ("arrivederci", "a presto", "buonanotte"),
        "about": ("aiuto", "chi sei", "cosa sai fare"),
    },
    "pt": {
        "greeting": ("ola", "oi", "bom dia", "boa tarde", "boa noite", "tudo bem", "tudo bom"),
        "thanks": ("obrigado", "obrigada", "muito obrigado", "muito obrigada", "valeu"),
        "ack": ("beleza", "certo", "sim"),
        "farewell": ("tchau", "adeus", "ate logo", "ate mais"),
        "about": ("ajuda", "quem e voce", "o que voce faz"),
    },
    "ru": {
        "greeting": ("привет", "здравствуйте", "здравствуй", "добрый день", "доброе утро",
                     "добрый вечер", "как дела"),
        "thanks": ("спасибо", "большое спасибо", "спасибо большое", "благодарю"),
        "ack": ("хорошо", "понятно", "отлично", "ладно", "да", "нет"),
        "farewell": ("пока", "до свидания", "спокойной ночи"),
        "about": ("помощь", "кто ты", "что ты умеешь"),
    },
}  # fmt: skip
# Words that may come with small talk without making it a question ("hi there", "thanks bot").
_FILLERS = frozenset(
    "there again all everyone guys bot so very much a lot you to tous toi vous encore bien "
    "tout le monde alle dir euch todos tutti voi a todos всем тебе вам".split()
)

_WORD = re.compile(r"\w+")
# The first words that say what kind of answer a question wants, folded, by kind; the first
# kind whose phrase opens the question (after "and", "so" and the like) is its kind.
_KINDS: tuple[tuple[QuestionKind, tuple[str, ...]], ...] = (
    ("what happened", ("what happened", "what happens", "what took place", "what went on",
                       "qu est ce qui s est passe", "que s est il passe", "was ist passiert",
                       "was geschah", "was passierte", "que paso", "que ocurrio", "que sucedio",
                       "cosa e successo", "o que aconteceu", "что произошло", "что случилось")),
    ("how many", ("how many", "how much", "combien", "wie viele", "wie viel", "cuantos",
                  "cuantas", "cuanto", "quanti", "quante", "quantos", "quantas", "сколько")),
    ("what is", ("what is", "what are", "whats", "what was", "qu est ce que", "qu est ce qu",
                 "c est quoi", "was ist", "was sind", "que es", "cos e", "che cos e",
                 "o que e", "что такое")),
    ("who", ("who", "whom", "qui", "wer", "quien", "quienes", "chi", "quem", "кто")),
    ("when", ("when", "quand", "wann", "cuando", "quando", "когда")),
    ("where", ("where", "ou", "wo", "donde", "dove", "onde", "где")),
)  # fmt: skip
# Openings of a question that asks who or what someone or something is ("Who is X?"): what
# follows them, when it is a name, is what the question asks to be introduced.
_DEFINING = ("who is", "who was", "who are", "who s", "what is", "what are", "what s",
             "qui est", "qui etait", "qu est ce que", "qu est ce qu", "c est quoi", "wer ist",
             "wer war", "was ist", "was sind", "quien es", "quien era", "que es", "chi e",
             "chi era", "che cos e", "cos e", "quem e", "o que e", "кто такои", "кто такая",
             "кто такие", "кто это", "что такое")  # fmt: skip
_ARTICLES = frozenset("the a an le la les l un une der die das ein eine el los las il lo".split())
_MOST_NAME_WORDS = 4
NO_TIME = TimeIntent(None, False)
_LEADING = frozenset("and so but then et alors und y e и а".split())


@dataclass(frozen=True, slots=True)
class Question:
    """What a person sent, read once: the text searched for and what each stage asks of it.

    Attributes:
        text: The message cleaned (``clean_question``): what is embedded and searched.
        language: Its language (ISO 639-1); for small talk, the language of the phrase.
        speaker: The name key of whom a "what did X say / think" question asks about.
        time: The time it asks about, relative to the briefing's newest article.
        kind: What kind of answer it wants: ``"said"`` (a speaker's words), ``"who"``,
            ``"what is"``, ``"when"``, ``"where"``, ``"how many"`` or ``"other"``.
        name_keys: The name key of each of its words (``index.retrieval.speakers.name_key``).
        topic_keys: The name keys of its words that are no stopword and longer than two
            letters: what a passage must name to be about the question's topic.
        reply: ``None`` for a question to search; otherwise why there is no search:
            ``"no words"``, ``"too long"`` or ``"small talk"``.
        small_talk: Which small talk, when ``reply`` is ``"small talk"``.
        defines: For "Who is X?" / "What is X?" when X is a name: the name keys of its words.
    """

    text: str
    language: str = "en"
    speaker: str | None = None
    time: TimeIntent = NO_TIME
    kind: QuestionKind = "other"
    name_keys: frozenset[str] = frozenset()
    topic_keys: frozenset[str] = frozenset()
    reply: NotAQuestion | None = None
    small_talk: SmallTalk | None = None
    defines: tuple[str, ...] = ()


def clean_question(text: str) -> str:
    """The text without invisible characters, in compatibility form, spaces collapsed.

    Zero-width and direction marks hide inside words (``Lav\u200brov``) and are dropped;
    control characters (NUL, escapes, line breaks) separate words; full-width and other
    compatibility forms (``Ｌａｖｒｏｖ``) become the letters a reader sees.
    """
    category = unicodedata.category
    kept = (char for char in unicodedata.normalize("NFKC", text) if category(char) != "Cf")
    spaced = "".join(" " if category(char) == "Cc" else char for char in kept)
    return " ".join(spaced.split())


def read_question(text: str, newest: date | None = None) -> Question:
    """What ``text`` is, once cleaned: a question, or a message to reply to without search.

    Args:
        text: The message as a person typed it.
        newest: The date of the briefing's newest article, which "last week" counts back
            from; default today.
    """
    cleaned = clean_question(text)
    if len(cleaned) > MAX_QUESTION:
        return Question(cleaned, reply="too long")
    if not any(char.isalnum() for char in cleaned):
        return Question(cleaned, reply="no words")
    speaker = asked_speaker(cleaned)
    words = cleaned.split()
    common = stopwords_of_every_language()
    topic = {name_key(word) for word in words if fold(word) not in common}
    question = Question(
        cleaned,
        detect_language(cleaned),
        speaker,
        question_time(cleaned, newest or date.today()),
        "said" if speaker is not None else question_kind(cleaned),
        frozenset(name_key(word) for word in words),
        frozenset(key for key in topic if len(key) > 2),
        defines=defined_name(cleaned),
    )
    talk = small_talk(cleaned)
    if talk is None:
        return question
    kind, language = talk
    return replace(question, language=language, reply="small talk", small_talk=kind)


def question_kind(text: str) -> QuestionKind:
    """The kind of answer ``text`` wants, from its first words: "How many …" → ``"how many"``,
    "Qui est …" → ``"who"``, "Что такое …" → ``"what is"``; ``"other"`` when none says."""
    words = _WORD.findall(fold(text).replace("_", " "))
    while words and words[0] in _LEADING:
        words = words[1:]
    opening = " ".join(words[:4])
    for kind, phrases in _KINDS:
        if any(opening == phrase or opening.startswith(phrase + " ") for phrase in phrases):
            return kind
    return "other"


def defined_name(text: str) -> tuple[str, ...]:
    """The name keys of the name a "Who is X?" / "What is X?" question asks about
    ("Who is Andrey Krutskikh?" → ``("andrey", "krutskikh")``); ``()`` when ``text`` asks
    something else, or X is no name ("What is the capital of France?")."""
    words = _WORD.findall(text.replace("_", " "))
    while words and fold(words[0]) in _LEADING:
        words = words[1:]
    folded = [fold(word) for word in words]
    for phrase in _DEFINING:
        length = len(phrase.split())
        if " ".join(folded[:length]) == phrase:
            rest = words[length:]
            while rest and fold(rest[0]) in _ARTICLES:
                rest = rest[1:]
            keys = tuple(name_key(word) for word in rest)
            names = 0 < len(rest) <= _MOST_NAME_WORDS and all(map(_is_name_word, rest))
            return keys if names and all(len(key) > 1 for key in keys) else ()
    return ()


def _is_name_word(word: str) -> bool:
    """A capitalised word, or one with a capital or a digit inside (``NotPetya``, ``G7``),
    that is no little word; words of scripts without capitals are never taken for names."""
    marked = word[0].isupper() or any(c.isupper() or c.isdigit() for c in word[1:])
    return marked and fold(word) not in stopwords_of_every_language() and bool(name_key(word))


def small_talk(text: str) -> tuple[SmallTalk, str] | None:
    """``(kind, language)`` when ``text`` is small talk and nothing else, e.g. ``("thanks",
    "fr")`` for "Merci beaucoup !"; ``None`` for anything that asks about something."""
    words = _WORD.findall(fold(text).replace("_", " "))
    if not words or len(words) > _longest_phrase() + 4:
        return None
    found: list[tuple[SmallTalk, str]] = []
    position = 0
    while position < len(words):
        match = _phrase_at(words, position)
        if match is not None:
            length, kind, language = match
            found.append((kind, language))
            position += length
        elif words[position] in _FILLERS:
            position += 1
        else:
            return None
    return found[0] if found else None


def _phrase_at(words: list[str], position: int) -> tuple[int, SmallTalk, str] | None:
    """The longest phrase that starts at ``position``: its length in words, kind, language."""
    for length in range(min(_longest_phrase(), len(words) - position), 0, -1):
        phrase = " ".join(words[position : position + length])
        if phrase in _phrase_index():
            kind, language = _phrase_index()[phrase]
            return length, kind, language
    return None


@cache
def _phrase_index() -> dict[str, tuple[SmallTalk, str]]:
    """Each phrase, folded and without punctuation, with its kind and language."""
    index: dict[str, tuple[SmallTalk, str]] = {}
    for language, kinds in _PHRASES.items():
        for kind, phrases in kinds.items():
            for phrase in phrases:
                index.setdefault(" ".join(_WORD.findall(fold(phrase))), (kind, language))
    return index


@cache
def _longest_phrase() -> int:
    return max(len(phrase.split()) for phrase in _phrase_index())
