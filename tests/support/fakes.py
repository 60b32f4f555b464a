"""Deterministic stand-ins that record what they are given."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from index.embedding.models import NamedEmbedder, Vectors

_WORD = re.compile(r"\w+")


class FakeEmbedder(NamedEmbedder):
    """Feature hashing of the set of words: the same text always gives the same unit vector.

    Texts that share words get similar vectors, so search results are meaningful enough to
    test ranking. Every call is recorded in ``passage_calls`` and ``query_calls``.
    """

    def __init__(
        self, dimension: int = 256, name: str = "fake-hashing-256", fail_after: int | None = None
    ):
        super().__init__(name, dimension)
        self._fail_after = fail_after
        self.passage_calls: list[list[str]] = []
        self.query_calls: list[list[str]] = []

    @property
    def passages_embedded(self) -> list[str]:
        return [text for call in self.passage_calls for text in call]

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        if self._fail_after is not None and len(self.passages_embedded) >= self._fail_after:
            raise RuntimeError("embedding failed on purpose")
        self.passage_calls.append(list(texts))
        return self._vectors(texts)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        self.query_calls.append(list(texts))
        return self._vectors(texts)

    def _vectors(self, texts: Sequence[str]) -> Vectors:
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in set(_WORD.findall(text.lower())):
                digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
                vectors[row, int.from_bytes(digest, "little") % self._dimension] += 1.0
            norm = np.linalg.norm(vectors[row])
            vectors[row] = vectors[row] / norm if norm else 1.0 / np.sqrt(self._dimension)
        return vectors
