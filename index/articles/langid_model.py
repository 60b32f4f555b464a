"""py3langid's model unpacked once into the cache and read from disk as texts need it.

py3langid ships its model LZMA-compressed and unpacks it into memory in every process that
identifies a language: 0.5 s and about 90 MB before the first question. Unpacked once into
``.npy`` files, its two large tables (the byte automaton and the feature weights) are read a
row at a time (``index.cache.RowsOnDisk``: py3langid indexes them by element and by rows of
features), and the classifier is py3langid's own.
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import cache
from importlib import metadata
from pathlib import Path

import numpy as np
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
from py3langid.modelio import load_model

from index.cache import RowsOnDisk, model_cache_dir

_ARRAYS = ("ptc", "pc", "nextmove", "row", "output")


def _folder() -> Path:
    return model_cache_dir() / f"py3langid-{metadata.version('py3langid')}"


def _unpack(folder: Path) -> None:
    """Writes the model's arrays as ``.npy`` files, whole or not at all."""
    ptc, pc, classes, nextmove, row, output = load_model(MODEL_DIR / MODEL_FILE)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    arrays = (ptc, pc, nextmove, row, output)
    for name, values in zip(_ARRAYS, arrays, strict=True):
        np.save(staged / f"{name}.npy", np.asarray(values))
    (staged / "classes.json").write_text(json.dumps(classes), encoding="utf-8")
    os.chmod(staged, 0o755)
    try:
        os.replace(staged, folder)
    except OSError:  # another process unpacked it first
        for path in staged.iterdir():
            path.unlink()
        staged.rmdir()


# A text longer than this walks the tables in memory: read from disk, an article's 10,000
# bytes cost 10,000 reads (20 ms), which an incremental build pays for every article.
LONG_TEXT = 2_000


def classify(text: str) -> str:
    """The language py3langid gives ``text``: short texts (questions) read its tables from
    disk; long ones (articles, when building) from memory, loaded on the first (67 MB)."""
    return str(identifier(in_memory=len(text) > LONG_TEXT).classify(text)[0])


@cache
def identifier(in_memory: bool = False) -> LanguageIdentifier:
    """py3langid's identifier over the unpacked model, unpacked on first use."""
    folder = _folder()
    try:
        return _open(folder, in_memory)
    except (OSError, ValueError):
        _unpack(folder)
        return _open(folder, in_memory)


def _open(folder: Path, in_memory: bool) -> LanguageIdentifier:
    ptc, nextmove = (
        np.load(folder / f"{name}.npy") if in_memory else RowsOnDisk(folder / f"{name}.npy")
        for name in ("ptc", "nextmove")
    )
    pc, row, output = (np.load(folder / f"{name}.npy") for name in ("pc", "row", "output"))
    classes = json.loads((folder / "classes.json").read_text(encoding="utf-8"))
    return LanguageIdentifier(ptc, pc, classes, nextmove, output.tolist(), tk_row=row.tolist())
