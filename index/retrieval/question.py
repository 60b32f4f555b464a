"""What every front end does to a message before it is a question: one cleaning, one check.

Telegram, ``briefing-bot ask`` and ``briefing-bot chat`` pass what a person typed through
``read_question``, so the same message gets the same answer everywhere. It cleans the text
(invisible characters out, compatibility forms folded, spaces collapsed) and tells apart
what is not a question about the briefing: a message with no words, one too long to be a
question, and small talk ("hello", "merci !", "what can you do?"), which gets a short
friendly reply saying what the bot does rather than a search.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Literal

from index.answering.suggestions import listed
from index.retrieval.lexical import fold

MAX_QUESTION = 1000

SmallTalk = Literal["greeting", "thanks", "ack", "farewell", "about"]

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

# The reply, by the language of the small talk; English for the others. The example names
# are the people the briefing tells of most.
_REPLIES: dict[str, dict[str, str]] = {
    "en": {"greeting": "Hello!", "thanks": "You are welcome!", "farewell": "Goodbye!",
           "body": "I answer questions about the news briefing with its own sentences and "
                   "numbered citations to its articles, in any language.",
           "names": "Ask me, for example, about {}."},
    "fr": {"greeting": "Bonjour !", "thanks": "Avec plaisir !", "farewell": "Au revoir !",
           "body": "Je réponds aux questions sur le briefing par ses propres phrases, avec "
                   "des citations numérotées de ses articles, dans toutes les langues.",
           "names": "Posez par exemple une question sur {}."},
    "de": {"greeting": "Hallo!", "thanks": "Gern geschehen!", "farewell": "Auf Wiedersehen!",
           "body": "Ich beantworte Fragen zum Nachrichten-Briefing mit seinen eigenen Sätzen "
                   "und nummerierten Quellen, in jeder Sprache.",
           "names": "Fragen Sie zum Beispiel nach {}."},
    "es": {"greeting": "¡Hola!", "thanks": "¡De nada!", "farewell": "¡Adiós!",
           "body": "Respondo preguntas sobre el informe con sus propias frases y citas "
                   "numeradas de sus artículos, en cualquier idioma.",
           "names": "Pregúnteme, por ejemplo, por {}."},
    "it": {"greeting": "Ciao!", "thanks": "Prego!", "farewell": "Arrivederci!",
           "body": "Rispondo alle domande sul briefing con le sue stesse frasi e citazioni "
                   "numerate dei suoi articoli, in qualsiasi lingua.",
           "names": "Mi chieda, per esempio, di {}."},
    "pt": {"greeting": "Olá!", "thanks": "De nada!", "farewell": "Até logo!",
           "body": "Respondo a perguntas sobre o briefing com as suas próprias frases e "
                   "citações numeradas dos seus artigos, em qualquer língua.",
           "names": "Pergunte-me, por exemplo, sobre {}."},
    "ru": {"greeting": "Здравствуйте!", "thanks": "Пожалуйста!", "farewell": "До свидания!",
           "body": "Я отвечаю на вопросы о брифинге его собственными фразами с нумерованными "
                   "ссылками на статьи, на любом языке.",
           "names": "Спросите, например, о {}."},
}  # fmt: skip
_OR = {"en": "or", "fr": "ou", "de": "oder", "es": "o", "it": "o", "pt": "ou", "ru": "или"}

NO_WORDS = "Please send a question in words"
TOO_LONG = f"That is a long question: please ask it in under {MAX_QUESTION} characters."

_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Message:
    """What a person sent, cleaned: a question to search for, or what to reply instead.

    ``reply`` is ``None`` for a question; otherwise it says why there is no search:
    ``"no words"``, ``"too long"`` or ``"small talk"`` (then ``kind`` and ``language`` say
    which, for the reply).
    """

    text: str
    reply: Literal["no words", "too long", "small talk"] | None = None
    kind: SmallTalk | None = None
    language: str = "en"


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


def read_question(text: str) -> Message:
    """What ``text`` is, once cleaned: a question, or a message to reply to without search."""
    cleaned = clean_question(text)
    if len(cleaned) > MAX_QUESTION:
        return Message(cleaned, "too long")
    if not any(char.isalnum() for char in cleaned):
        return Message(cleaned, "no words")
    talk = small_talk(cleaned)
    if talk is not None:
        kind, language = talk
        return Message(cleaned, "small talk", kind, language)
    return Message(cleaned)


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


def reply_text(message: Message, names: list[str]) -> str:
    """The reply to a message that is not a question; ``names`` are people the briefing tells
    of most, offered as examples of what to ask."""
    if message.reply == "too long":
        return TOO_LONG
    if message.reply == "no words":
        return f"{NO_WORDS}, e.g. “What did {names[0]} say?”" if names else f"{NO_WORDS}."
    language = message.language if message.language in _REPLIES else "en"
    replies = _REPLIES[language]
    parts = [replies.get(message.kind or "about", ""), replies["body"]]
    if names:
        parts.append(replies["names"].format(listed(names, _OR[language])))
    return " ".join(part for part in parts if part)
