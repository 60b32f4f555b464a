"""Settings of the index (index.config): the engine, and the optional extras (qdrant, torch)."""

from __future__ import annotations

import sys

import pytest

from index.config import IndexSettings
from index.errors import ConfigError
from index.store.vectors import FaissBackend


def test_qdrant_without_its_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "qdrant_client", None)  # as if it were not installed
    monkeypatch.delitem(sys.modules, "index.store.vectors.qdrant_store", raising=False)
    settings = IndexSettings(vector_store="qdrant", qdrant_url=":memory:")
    with pytest.raises(ConfigError, match=r"pip install 'briefing-bot\[qdrant\]'"):
        settings.vector_backend()
    assert isinstance(IndexSettings().vector_backend(), FaissBackend), "faiss needs no extra"


def test_the_product_does_not_import_qdrant_unless_chosen() -> None:
    import subprocess

    code = "import sys, index.cli, bot.cli; print('qdrant_client' in sys.modules)"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "False"


def test_the_engine_is_onnx_unless_torch_is_asked_for() -> None:
    assert IndexSettings.from_env({}).embedding_engine == "onnx"
    assert IndexSettings.from_env({"EMBEDDING_ENGINE": " Torch "}).embedding_engine == "torch"
    with pytest.raises(ConfigError, match=r"EMBEDDING_ENGINE='gpu' .* EMBEDDING_ENGINE=onnx"):
        IndexSettings.from_env({"EMBEDDING_ENGINE": "gpu"})


def test_without_sentence_transformers_another_model_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from index.embedding.models import load_embedder
    from index.errors import ModelLoadError

    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # as if not installed
    with pytest.raises(ModelLoadError, match=r"pip install 'briefing-bot\[torch\]'"):
        load_embedder("some/hub-model")
