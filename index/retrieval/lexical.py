"""BM25 over passages, each analysed in its own language: stopwords and Snowball stems.

Dense models are unsure about rare names (Lavrov, NotPetya, Bundestag); exact word matches
are not, and names are spelled the same in most Latin-script languages. Each text is analysed
in its language (the article's, or the question's as detected): its stopwords are dropped, and
every word gives its folded form and, where different, its Snowball stem, so "sanctions" meets
"sanction" and "déclaré" meets "déclarer" while an exact match still counts twice.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache

import bm25s
import bm25s.stopwords
import numpy as np
import numpy.typing as npt
import Stemmer
from anyascii import anyascii

from index.articles.metadata import detect_language

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_TRANSLITERATED = re.compile(r"[\u0370-\u03ff\u0400-\u04ff]")  # Greek, Cyrillic
# bm25s's stopword lists by ISO 639-1 code; a language without a list gets all of them.
_STOPWORD_LISTS = {
    "en": "STOPWORDS_EN_PLUS",
    "fr": "STOPWORDS_FRENCH",
    "de": "STOPWORDS_GERMAN",
    "es": "STOPWORDS_SPANISH",
    "it": "STOPWORDS_ITALIAN",
    "pt": "STOPWORDS_PORTUGUESE",
    "nl": "STOPWORDS_DUTCH",
    "ru": "STOPWORDS_RUSSIAN",
    "da": "STOPWORDS_DANISH",
    "no": "STOPWORDS_NORWEGIAN",
    "sv": "STOPWORDS_SWEDISH",
    "tr": "STOPWORDS_TURKISH",
}
# PyStemmer's Snowball algorithms by ISO 639-1 code.
_SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german",
    "el": "greek", "en": "english", "es": "spanish", "et": "estonian", "eu": "basque",
    "fa": "persian", "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi",
    "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian",
    "lt": "lithuanian", "nb": "norwegian", "ne": "nepali", "nl": "dutch", "no": "norwegian",
    "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip


def fold(text: str) -> str:
    """Lower case without accents, so "Sergueï" and "serguei", "déclaré" and "declare" meet."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@cache
def _stopwords(language: str) -> frozenset[str]:
    """The language's stopwords, folded; every list's for a language without its own."""
    names = [_STOPWORD_LISTS[language]] if language in _STOPWORD_LISTS else _STOPWORD_LISTS.values()
    return frozenset(fold(word) for name in names for word in getattr(bm25s.stopwords, name, ()))


def stopwords_of_every_language() -> frozenset[str]:
    """The folded stopwords of every language with a list."""
    return _stopwords("")


@cache
def _stemmer(language: str) -> Stemmer.Stemmer | None:
    return Stemmer.Stemmer(_SNOWBALL[language]) if language in _SNOWBALL else None


def tokenize(text: str, language: str = "") -> list[str]:
    """Folded word tokens without the language's stopwords, each followed by its stem.

    Greek and Cyrillic words are transliterated (Лавров and Lavrov are one name to a reader of
    either script); Chinese, Japanese and Korean come as character bigrams. ``language`` is an
    ISO 639-1 code; without one, or for a language without a stemmer, words are not stemmed.
    """
    tokens: list[str] = []
    stopwords, stemmer = _stopwords(language), _stemmer(language)
    for word in _TOKEN.findall(text.casefold()):
        if _CJK.search(word):
            tokens.extend(_cjk_grams(word))
            continue
        folded = fold(word)
        if folded in stopwords or (len(folded) < 2 and not folded.isdigit()):
            continue
        token = _folded(folded)
        tokens.append(token)
        if stemmer is not None:
            stem = _folded(stemmer.stemWord(word))
            if stem != token and len(stem) > 1:
                tokens.append(stem)
    return tokens


def _folded(word: str) -> str:
    return fold(anyascii(word)) if _TRANSLITERATED.search(word) else fold(word)


def _cjk_grams(token: str) -> list[str]:
    if len(token) == 1:
        return [token]
    return [token[i : i + 2] for i in range(len(token) - 1)]


class LexicalIndex:
    """BM25 scores of every passage for a question."""

    def __init__(self, texts: Sequence[str], languages: Sequence[str] | None = None) -> None:
        """Indexes ``texts``, each in its language; row ``i`` of every score array is ``texts[i]``.

        Args:
            texts: The passages.
            languages: ISO 639-1 code of each text; None analyses them all without a language.
        """
        self._size = len(texts)
        self._bm25 = bm25s.BM25()
        corpus = [
            tokenize(text, language) or [""]
            for text, language in zip(texts, languages or [""] * len(texts), strict=True)
        ]
        self._bm25.index(corpus, show_progress=False)
        self._vocabulary = set(self._bm25.vocab_dict)

    def scores(self, question: str, language: str | None = None) -> npt.NDArray[np.float32]:
        """BM25 score of each passage; all zero when no word of the question is indexed.

        Args:
            question: The question.
            language: Its ISO 639-1 code; None detects it.
        """
        if language is None:
            language = detect_language(question)
        tokens = [token for token in tokenize(question, language) if token in self._vocabulary]
        if not tokens:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
