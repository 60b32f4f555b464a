"""The index manifest: what an index folder holds and how it was built."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from index.articles.chunking import ChunkingParams

FORMAT_VERSION = 3


@dataclass(frozen=True, slots=True)
class Manifest:
    """Contents of ``manifest.json``.

    Attributes:
        format_version: Layout of the folder; a reader refuses any other.
        model: Embedding model name, as configured when the index was built.
        dimension: Length of the vectors.
        chunking: Parameters that cut articles into passages.
        sources: Source path to the sha256 of its bytes, for every indexed article.
        articles: Number of articles indexed.
        passages: Number of passages (and passage vectors).
        sentences: Number of sentences (and sentence vectors).
        skipped: Files of the seeds folder that were not indexed, with the reason.
        built_at: UTC time the build finished, ISO 8601.
        build_seconds: Wall time of the build.
        embedded: Passages embedded by this build (the rest were reused).
        vector_store: Backend that keeps the vectors (``faiss`` or ``qdrant``).
        vector_sets: ``passages`` and ``sentences`` to the backend's reference of each set
            (a file of the folder, or a Qdrant collection).
    """

    model: str
    dimension: int
    chunking: ChunkingParams
    sources: dict[str, str]
    articles: int
    passages: int
    sentences: int
    built_at: str
    build_seconds: float
    embedded: int
    skipped: dict[str, str] = field(default_factory=dict)
    vector_store: str = "faiss"
    vector_sets: dict[str, str] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        """The manifest as indented JSON."""
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        """Builds a manifest from the parsed JSON of a current-format index.

        Raises:
            ValueError: A field is missing or has the wrong shape.
        """
        try:
            fields = dict(data)
            chunking = ChunkingParams(**fields.pop("chunking"))
            return cls(chunking=chunking, **fields)
        except (TypeError, KeyError, ValueError) as error:
            raise ValueError(f"manifest.json lacks or mangles a field ({error})") from error
