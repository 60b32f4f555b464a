"""Settings of the index (index.config): the qdrant backend is an optional extra."""

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
