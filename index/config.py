"""Settings of the index, read from the environment in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from index.embedding.models import DEFAULT_MODEL, ENGINES, Engine
from index.errors import ConfigError
from index.store.vectors import FaissBackend, VectorBackend

DEFAULT_SEEDS_DIR = Path("seeds")
DEFAULT_INDEX_DIR = Path("var/index")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
VECTOR_STORES = ("faiss", "qdrant")


@dataclass(frozen=True, slots=True)
class IndexSettings:
    """Where the articles and the index are, and which model embeds them.

    Attributes:
        seeds_dir: ``BRIEFING_SEEDS_DIR``, default ``seeds``.
        index_dir: ``BRIEFING_INDEX_DIR``, default ``var/index``.
        embedding_model: ``EMBEDDING_MODEL``, a hub name or a local folder.
        embedding_engine: ``EMBEDDING_ENGINE``, ``onnx`` (ONNX Runtime, int8, no torch: the
            default) or ``torch`` (sentence-transformers, the reference; needs the extra).
        log_level: ``LOG_LEVEL``, one of ``LOG_LEVELS``.
        vector_store: ``BRIEFING_VECTOR_STORE``, ``faiss`` (files in the index folder, the
            default) or ``qdrant``.
        qdrant_url: ``QDRANT_URL``, where Qdrant is: an ``http(s)://`` URL of a server or
            cluster, a local folder (embedded), or ``:memory:``. Needed for ``qdrant``.
    """

    seeds_dir: Path = DEFAULT_SEEDS_DIR
    index_dir: Path = DEFAULT_INDEX_DIR
    embedding_model: str = DEFAULT_MODEL
    embedding_engine: Engine = "onnx"
    log_level: str = "INFO"
    vector_store: str = "faiss"
    qdrant_url: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> IndexSettings:
        """Reads the settings; an empty variable counts as unset.

        Raises:
            ConfigError: A variable has a value that cannot work, named with a valid example.
        """
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            return env_value(env, name)

        log_level = (get("LOG_LEVEL") or "INFO").upper()
        if log_level not in LOG_LEVELS:
            raise ConfigError(
                f"LOG_LEVEL={env.get('LOG_LEVEL')!r} is not a log level: use one of "
                f"{', '.join(LOG_LEVELS)}, e.g. LOG_LEVEL=INFO"
            )
        engine = (get("EMBEDDING_ENGINE") or "onnx").lower()
        if engine not in ENGINES:
            raise ConfigError(
                f"EMBEDDING_ENGINE={engine!r} is not an engine: use one of "
                f"{', '.join(ENGINES)}, e.g. EMBEDDING_ENGINE=onnx"
            )
        vector_store = (get("BRIEFING_VECTOR_STORE") or "faiss").lower()
        if vector_store not in VECTOR_STORES:
            raise ConfigError(
                f"BRIEFING_VECTOR_STORE={vector_store!r} is not a vector store: use one of "
                f"{', '.join(VECTOR_STORES)}, e.g. BRIEFING_VECTOR_STORE=faiss"
            )
        if vector_store == "qdrant" and not get("QDRANT_URL"):
            raise ConfigError(
                "BRIEFING_VECTOR_STORE=qdrant needs QDRANT_URL: a server, e.g. "
                "QDRANT_URL=http://localhost:6333, or a local folder, e.g. QDRANT_URL=var/qdrant"
            )
        return cls(
            seeds_dir=Path(get("BRIEFING_SEEDS_DIR") or DEFAULT_SEEDS_DIR).expanduser(),
            index_dir=Path(get("BRIEFING_INDEX_DIR") or DEFAULT_INDEX_DIR).expanduser(),
            embedding_model=get("EMBEDDING_MODEL") or DEFAULT_MODEL,
            embedding_engine=engine,
            log_level=log_level,
            vector_store=vector_store,
            qdrant_url=get("QDRANT_URL"),
        )

    def vector_backend(self) -> VectorBackend:
        """The backend new indexes keep their vectors in.

        Raises:
            ConfigError: ``qdrant`` is chosen but the ``qdrant`` extra is not installed.
        """
        if self.vector_store == "qdrant" and self.qdrant_url:
            try:  # an optional extra, imported only for this backend
                from index.store.vectors.qdrant_store import QdrantBackend, qdrant_client_for
            except ImportError as error:
                raise ConfigError(
                    "BRIEFING_VECTOR_STORE=qdrant needs the qdrant extra, which is not installed "
                    f"({error}): pip install 'briefing-bot[qdrant]'"
                ) from error
            return QdrantBackend(qdrant_client_for(self.qdrant_url))
        return FaissBackend()


def env_value(env: Mapping[str, str], name: str) -> str | None:
    """The variable's value without surrounding blanks; None when unset or empty."""
    return env.get(name, "").strip() or None
