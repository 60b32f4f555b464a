"""Where what is derived on this machine is kept (models, the text of files), and how large
arrays are read.

Large tables are read a row at a time with ``pread``, never mapped: a mapped file's pages
count in the memory of the process that touches them, and the kernel maps them in large runs
(mapped, multilingual-e5-small's word table grew a serving process by 95 MB over its first 50
questions, and py3langid's tables by 50 MB).
"""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path

import numpy as np
import numpy.typing as npt


def model_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/briefing-bot/models`` (``~/.cache`` when unset)."""
    return _cache_home() / "models"


def text_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/briefing-bot/extracted``: the text readers found in files."""
    return _cache_home() / "extracted"


def _cache_home() -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base) / "briefing-bot"


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks: a model file is never whole in memory."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class RowsOnDisk:
    """A ``.npy`` array on disk, read a row (or an element) at a time.

    ``rows[i]`` of a matrix is its row ``i``, ``rows[ids]`` for an integer array the rows of
    ``ids`` stacked (shape ``ids.shape + (width,)``); of a vector, ``rows[i]`` is a Python int
    or float. Thread-safe: ``pread`` keeps no file position.
    """

    def __init__(self, path: Path) -> None:
        self._file = path.open("rb")
        version = np.lib.format.read_magic(self._file)
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, fortran_order, dtype = read_header(self._file)
        if fortran_order or len(shape) not in (1, 2) or dtype.hasobject:
            raise ValueError(f"{path} is not a vector or matrix of numbers in C order")
        self.shape: tuple[int, ...] = shape
        self.dtype = np.dtype(dtype)
        self._offset = self._file.tell()
        self._row_bytes = self.dtype.itemsize * (shape[1] if len(shape) == 2 else 1)
        self._element = self._element_format() if len(shape) == 1 else None

    def __len__(self) -> int:
        return self.shape[0]

    def _element_format(self) -> struct.Struct | None:
        """``struct``'s reading of one element, where it reads this dtype alike."""
        order = ">" if self.dtype.byteorder == ">" else "<"
        try:
            element = struct.Struct(order + self.dtype.char)
        except struct.error:
            return None
        return element if element.size == self.dtype.itemsize else None

    def __getitem__(self, index: int | npt.NDArray[np.integer]) -> object:
        if isinstance(index, (int, np.integer)):
            if self._element is not None and 0 <= index < self.shape[0]:
                # One element, as py3langid's automaton reads one per byte: no numpy on the way.
                raw = os.pread(
                    self._file.fileno(),
                    self._row_bytes,
                    self._offset + int(index) * self._row_bytes,
                )
                return self._element.unpack(raw)[0]
            row = self._rows(np.array([index], dtype=np.int64))[0]
            return row if len(self.shape) == 2 else row.item()
        ids = np.asarray(index, dtype=np.int64)
        unique, inverse = np.unique(ids, return_inverse=True)
        return self._rows(unique)[inverse.reshape(ids.shape)]

    def _rows(self, ids: npt.NDArray[np.int64]) -> np.ndarray:
        if len(ids) and (ids.min() < 0 or ids.max() >= self.shape[0]):
            raise IndexError(f"rows outside 0..{self.shape[0] - 1}")
        size, descriptor = self._row_bytes, self._file.fileno()
        raw = b"".join(os.pread(descriptor, size, self._offset + int(i) * size) for i in ids)
        return np.frombuffer(raw, self.dtype).reshape(len(ids), *self.shape[1:])
