"""BM25 over passages, with a tokenizer that works across the briefing's languages.

Dense models are unsure about rare names (Lavrov, NotPetya, Bundestag); exact word matches
are not, and names are spelled the same in most Latin-script languages.
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
from anyascii import anyascii

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_TRANSLITERATED = re.compile(r"[\u0370-\u03ff\u0400-\u04ff]")  # Greek, Cyrillic
_STOPWORD_LISTS = (
    "STOPWORDS_EN_PLUS",
    "STOPWORDS_FRENCH",
    "STOPWORDS_GERMAN",
    "STOPWORDS_SPANISH",
    "STOPWORDS_ITALIAN",
    "STOPWORDS_PORTUGUESE",
    "STOPWORDS_DUTCH",
    "STOPWORDS_RUSSIAN",
)


def fold(text: str) -> str:
    """Lower case without accents, so "Sergueï" and "serguei", "déclaré" and "declare" meet."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@cache
def _stopwords() -> frozenset[str]:
    words: set[str] = set()
    for name in _STOPWORD_LISTS:
        words.update(fold(word) for word in getattr(bm25s.stopwords, name, ()))
    return frozenset(words)


def tokenize(text: str) -> list[str]:
    """Folded word tokens without stopwords; Greek and Cyrillic words transliterated; Chinese,
    Japanese and Korean as character bigrams."""
    tokens: list[str] = []
    stopwords = _stopwords()
    for token in _TOKEN.findall(fold(text)):
        if _CJK.search(token):
            tokens.extend(_cjk_grams(token))
            continue
        if token not in stopwords and _TRANSLITERATED.search(token):
            # Лавров and Lavrov are one name to a reader of either script.
            token = fold(anyascii(token))
        if token not in stopwords and (len(token) > 1 or token.isdigit()):
            tokens.append(token)
    return tokens


def _cjk_grams(token: str) -> list[str]:
    if len(token) == 1:
        return [token]
    return [token[i : i + 2] for i in range(len(token) - 1)]


class LexicalIndex:
    """BM25 scores of every passage for a question."""

    def __init__(self, texts: Sequence[str]) -> None:
        """Indexes ``texts``; row ``i`` of every score array is ``texts[i]``."""
        self._size = len(texts)
        self._bm25 = bm25s.BM25()
        corpus = [tokenize(text) or [""] for text in texts]
        self._bm25.index(corpus, show_progress=False)
        self._vocabulary = set(self._bm25.vocab_dict)

    def scores(self, question: str) -> npt.NDArray[np.float32]:
        """BM25 score of each passage; all zero when no word of the question is indexed."""
        tokens = [token for token in tokenize(question) if token in self._vocabulary]
        if not tokens:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
