"""The real bundled model, end to end. Slow: loads sentence-transformers and torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.build import build_index
from index.embedding import DEFAULT_MODEL, SentenceTransformerEmbedder
from index.errors import ModelLoadError
from index.search import Searcher
from index.store import load_index
from tests.conftest import LAVROV_SOURCE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def real_embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(DEFAULT_MODEL)


def test_bundled_model_gives_unit_vectors(real_embedder: SentenceTransformerEmbedder) -> None:
    vectors = real_embedder.embed_passages(["Lavrov said Berlin gave no evidence.", "Bonjour"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert real_embedder.embed_queries([]).shape == (0, 384)


def test_lavrov_question_finds_the_paragraph_where_he_speaks(
    real_embedder: SentenceTransformerEmbedder, seeds_dir: Path, index_dir: Path
) -> None:
    build_index(seeds_dir, index_dir, real_embedder)
    searcher = Searcher(load_index(index_dir, expected_model=DEFAULT_MODEL), real_embedder)
    best = searcher.search("What did Lavrov say?", k=3)[0]
    assert best.passage.source == LAVROV_SOURCE
    assert best.passage.paragraph == 6
    assert "Lavrov said Berlin did not provide evidence" in best.passage.text


def test_unknown_model_is_a_clear_error() -> None:
    with pytest.raises(ModelLoadError, match="EMBEDDING_MODEL"):
        SentenceTransformerEmbedder("/nonexistent/model-folder")


def test_cli_build_then_search_json(seeds_dir: Path, tmp_path: Path) -> None:
    """The issue's acceptance check, through the installed console script."""
    script = Path(sys.executable).with_name("briefing-index")
    env = {
        **os.environ,
        "BRIEFING_SEEDS_DIR": str(seeds_dir),
        "BRIEFING_INDEX_DIR": str(tmp_path / "idx"),
    }
    env.pop("EMBEDDING_MODEL", None)
    build = subprocess.run(
        [str(script), "build"], env=env, capture_output=True, text=True, timeout=300
    )
    assert build.returncode == 0, build.stderr
    assert "2 articles, 12 passages" in build.stdout
    search = subprocess.run(
        [str(script), "search", "What did Lavrov say?", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert search.returncode == 0, search.stderr
    first = json.loads(search.stdout)["hits"][0]
    assert first["source"] == LAVROV_SOURCE and first["paragraph"] == 6
    assert "did not provide evidence" in first["text"]
    assert search.stderr == ""
