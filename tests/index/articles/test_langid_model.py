"""py3langid's model read from the cache: the same languages as py3langid itself."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import py3langid
import pytest

from index.articles import langid_model
from index.articles.metadata import detect_language
from index.cache import RowsOnDisk
from tests.support.paths import REPO, SEEDS

GATE = REPO / "tests" / "data" / "xquad-gate"


def _texts() -> list[str]:
    questions = (SEEDS / ".eval" / "seed_questions.jsonl").read_text(encoding="utf-8")
    texts = [json.loads(line)["question"] for line in questions.splitlines() if line.strip()]
    texts += [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    for language in ("de", "ru", "en"):
        data = json.loads((GATE / f"{language}.json").read_text(encoding="utf-8"))
        texts += [p["context"] for article in data["data"] for p in article["paragraphs"]][:10]
    return [*texts, "", "12345", "Здравствуйте", "こんにちは世界"]


def test_the_same_languages_as_py3langid() -> None:
    texts = _texts()
    assert len(texts) > 80
    for text in texts:
        assert detect_language(text) == py3langid.classify(text[:10_000])[0], text[:60]


def test_unpacked_once_into_a_private_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    langid_model.identifier.cache_clear()
    try:
        assert langid_model.classify("Что сказал Лавров?") == "ru"
        assert langid_model.classify("Что сказал Лавров? " * 200) == "ru"  # from memory
        (folder,) = (tmp_path / "briefing-bot" / "models").glob("py3langid-*")
        assert {path.name for path in folder.iterdir()} >= {"ptc.npy", "nextmove.npy"}
    finally:
        langid_model.identifier.cache_clear()


def test_rows_on_disk_read_what_numpy_wrote(tmp_path: Path) -> None:
    matrix = np.arange(24, dtype=np.float16).reshape(6, 4)
    np.save(tmp_path / "m.npy", matrix)
    np.save(tmp_path / "v.npy", np.arange(5, dtype=np.uint32) * 7)
    rows, vector = RowsOnDisk(tmp_path / "m.npy"), RowsOnDisk(tmp_path / "v.npy")
    ids = np.array([[5, 0], [0, 3]])
    np.testing.assert_array_equal(rows[ids], matrix[ids])
    np.testing.assert_array_equal(rows[2], matrix[2])
    assert vector[3] == 21 and isinstance(vector[3], int) and len(vector) == 5
    with pytest.raises(IndexError):
        rows[np.array([6])]
