"""Settings of the index, read from the environment in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from index.embedding import DEFAULT_MODEL
from index.errors import ConfigError

DEFAULT_SEEDS_DIR = Path("seeds")
DEFAULT_INDEX_DIR = Path("var/index")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True, slots=True)
class IndexSettings:
    """Where the articles and the index are, and which model embeds them.

    Attributes:
        seeds_dir: ``BRIEFING_SEEDS_DIR``, default ``seeds``.
        index_dir: ``BRIEFING_INDEX_DIR``, default ``var/index``.
        embedding_model: ``EMBEDDING_MODEL``, a hub name or a local folder.
        log_level: ``LOG_LEVEL``, one of ``LOG_LEVELS``.
    """

    seeds_dir: Path = DEFAULT_SEEDS_DIR
    index_dir: Path = DEFAULT_INDEX_DIR
    embedding_model: str = DEFAULT_MODEL
    log_level: str = "INFO"

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
        return cls(
            seeds_dir=Path(get("BRIEFING_SEEDS_DIR") or DEFAULT_SEEDS_DIR).expanduser(),
            index_dir=Path(get("BRIEFING_INDEX_DIR") or DEFAULT_INDEX_DIR).expanduser(),
            embedding_model=get("EMBEDDING_MODEL") or DEFAULT_MODEL,
            log_level=log_level,
        )


def env_value(env: Mapping[str, str], name: str) -> str | None:
    """The variable's value without surrounding blanks; None when unset or empty."""
    return env.get(name, "").strip() or None
