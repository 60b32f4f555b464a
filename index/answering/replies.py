"""What the bot says when the briefing's own sentences are not the answer.

A question the briefing does not cover is told so in its language, with the closest passage
and the names and dates it does cover (``index.answering.suggestions``). A message that is no
question (small talk, no words, too long: see ``index.retrieval.question``) gets a short reply
in the language of its phrase, saying what the bot does and naming people to ask about.
"""

from __future__ import annotations

from collections.abc import Sequence

from index.retrieval.question import MAX_QUESTION, Question

NO_WORDS = "Please send a question in words"
TOO_LONG = f"That is a long question: please ask it in under {MAX_QUESTION} characters."

# What to say, by the question's language; English for the others.
_MESSAGES = {
    "en": ("The briefing does not seem to cover this.", "The closest passage is:",
           "It does cover {}: try asking about one of them."),
    "fr": ("Le briefing ne semble pas traiter de cette question.", "Le passage le plus proche :",
           "Il parle en revanche de {} : essayez de poser une question sur l’un d’eux."),
    "de": ("Dazu scheint das Briefing nichts zu enthalten.", "Die nächstliegende Stelle:",
           "Es behandelt aber {}: fragen Sie nach einem davon."),
    "es": ("El informe no parece tratar este tema.", "El pasaje más cercano:",
           "Sí habla de {}: pruebe a preguntar por uno de ellos."),
    "it": ("Il briefing non sembra trattare questo argomento.", "Il passaggio più vicino:",
           "Parla invece di {}: provi a chiedere di uno di essi."),
    "ru": ("Похоже, в брифинге об этом ничего нет.", "Ближайший фрагмент:",
           "Зато в нём есть {}: спросите об одном из них."),
}  # fmt: skip
NOT_COVERED = _MESSAGES["en"][0]
_AND = {"en": "and", "fr": "et", "de": "und", "es": "y", "it": "e", "ru": "и"}


def not_covered_text(question: Question, closest: str | None, suggestions: Sequence[str]) -> str:
    """The reply to a question the briefing does not answer, in the question's language."""
    language = question.language if question.language in _MESSAGES else "en"
    not_covered, closest_is, it_covers = _MESSAGES[language]
    parts = [not_covered]
    if suggestions:
        parts.append(it_covers.format(listed(list(suggestions), _AND[language])))
    if closest:
        parts.append(f"{closest_is} {closest}")
    return " ".join(parts)


def listed(items: list[str], conjunction: str) -> str:
    """``a``, ``a and b``, ``a, b and c``: with the language's ``conjunction``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


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


# Questions offered as examples, by the reader's language; English for the others.
_EXAMPLES = {
    "en": ("What did {} say?", "What does the briefing say about “{}”?"),
    "fr": ("Qu’a dit {} ?", "Que dit le briefing de « {} » ?"),
    "de": ("Was hat {} gesagt?", "Was sagt das Briefing über „{}“?"),
    "es": ("¿Qué dijo {}?", "¿Qué dice el informe sobre «{}»?"),
    "it": ("Che cosa ha detto {}?", "Che cosa dice il briefing su «{}»?"),
    "pt": ("O que disse {}?", "O que diz o briefing sobre «{}»?"),
    "ru": ("Что говорит {}?", "Что в брифинге говорится о «{}»?"),
}


def example_questions(
    language: str, people: Sequence[str], titles: Sequence[str], count: int
) -> list[str]:
    """``count`` questions to offer: what each of ``people`` said (by surname), then what the
    articles of ``titles`` are about, phrased in ``language`` (a code such as ``fr`` or
    ``pt-br``) where the bot speaks it."""
    said, about = _EXAMPLES.get(language.split("-")[0].lower(), _EXAMPLES["en"])
    surnames = list(dict.fromkeys(name.split()[-1] for name in people))
    questions = [said.format(name) for name in surnames[:count]]
    questions += [about.format(title) for title in titles[: count - len(questions)]]
    return questions


def reply_text(message: Question, names: list[str]) -> str:
    """The reply to a message that is not a question; ``names`` are people the briefing tells
    of most, offered as examples of what to ask."""
    if message.reply == "too long":
        return TOO_LONG
    if message.reply == "no words":
        if not names:
            return f"{NO_WORDS}."
        return f"{NO_WORDS}, e.g. “{_EXAMPLES['en'][0].format(names[0])}”"
    language = message.language if message.language in _REPLIES else "en"
    replies = _REPLIES[language]
    parts = [replies.get(message.small_talk or "about", ""), replies["body"]]
    if names:
        parts.append(replies["names"].format(listed(names, _OR[language])))
    return " ".join(part for part in parts if part)
