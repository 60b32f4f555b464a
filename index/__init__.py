"""The briefing index: articles in, cited passages out. Never imports ``telegram``."""

from index.articles.chunking import ChunkingParams
from index.articles.ingest import Document, Ingested, SkippedFile, ingest
from index.build import BuildReport, build_index
from index.config import IndexSettings
from index.embedding.models import (
    DEFAULT_MODEL,
    Embedder,
    SentenceTransformerEmbedder,
    load_embedder,
)
from index.errors import (
    BriefingError,
    BuildLockedError,
    ConfigError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    IndexWriteError,
    ModelLoadError,
    SeedsError,
)
from index.records import Article, Hit, Passage
from index.retrieval.search import Searcher
from index.store.folder import StoredIndex, load_index

__all__ = [
    "DEFAULT_MODEL",
    "Article",
    "BriefingError",
    "BuildLockedError",
    "BuildReport",
    "ChunkingParams",
    "ConfigError",
    "Document",
    "Embedder",
    "Hit",
    "IndexCorruptError",
    "IndexMismatchError",
    "IndexMissingError",
    "IndexSettings",
    "IndexWriteError",
    "Ingested",
    "ModelLoadError",
    "Passage",
    "Searcher",
    "SeedsError",
    "SentenceTransformerEmbedder",
    "SkippedFile",
    "StoredIndex",
    "build_index",
    "ingest",
    "load_embedder",
    "load_index",
]
