"""Writing an index folder whole: staged beside its target, swapped in at once, one build at a time.

A build writes a new folder ``.NAME.building-*`` beside the index folder ``NAME``, flushes it to
disk, and exchanges the two with one ``renameat2`` call, so a reader finds either the old folder
or the new one, never a mix. A build killed at any point leaves the previous index in place; the
next build removes what it left. Whatever the operating system refuses while writing (a full
disk, a read-only folder) becomes an ``IndexWriteError`` that says what to do.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from index.errors import BuildLockedError, IndexWriteError


@contextlib.contextmanager
def staging_folder(index_dir: Path) -> Iterator[Path]:
    """A new empty folder beside ``index_dir`` to write an index in; removed on the way out.

    After ``swap_in`` it holds the previous index, which goes with it.

    Raises:
        IndexWriteError: The operating system refused a write in the block; the index at
            ``index_dir`` is unchanged unless ``swap_in`` had completed.
    """
    staging: Path | None = None
    try:
        with _write_errors(index_dir):
            index_dir.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(
                tempfile.mkdtemp(prefix=f".{index_dir.name}.building-", dir=index_dir.parent)
            )
            yield staging
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def swap_in(staging: Path, index_dir: Path) -> None:
    """Flushes ``staging`` and puts it at ``index_dir``; the old folder, if any, moves to it."""
    for path in staging.iterdir():
        _fsync(path)
    _fsync(staging)
    _rename_over(staging, index_dir)
    _fsync(index_dir.parent)


@contextlib.contextmanager
def _write_errors(index_dir: Path) -> Iterator[None]:
    """Turns what the operating system refuses while a build writes into ``IndexWriteError``."""
    try:
        yield
    except OSError as error:
        if error.errno is None:  # raised by code, not by the operating system
            raise
        raise IndexWriteError(_write_problem(index_dir, error)) from error


def _write_problem(index_dir: Path, error: OSError) -> str:
    where = index_dir.parent
    unchanged = "; the index there is unchanged" if index_dir.exists() else ""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        try:
            free = f", {shutil.disk_usage(where).free / 1e6:.1f} MB free"
        except OSError:
            free = ""
        return (
            f"cannot write the index at {index_dir}: the disk is full ({error.strerror}{free}): "
            f"free some space on the disk that holds {where} and run the build again{unchanged}"
        )
    if error.errno == errno.EFBIG:
        return (
            f"cannot write the index at {index_dir}: a file is over the size limit of this "
            f"process or file system ({error.strerror}): raise the limit (ulimit -f) or build "
            f"on another disk (--out){unchanged}"
        )
    culprit = f": {error.filename}" if error.filename else ""
    return (
        f"cannot write the index at {index_dir} ({error.strerror}{culprit}): check that {where} "
        f"is a folder this user can write, or build elsewhere (--out){unchanged}"
    )


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _rename_over(staging: Path, index_dir: Path) -> None:
    """Puts ``staging`` at ``index_dir``; the old folder, if any, ends up at ``staging``."""
    if not index_dir.exists():
        os.rename(staging, index_dir)
        return
    if _exchange(staging, index_dir):
        return
    # No atomic exchange here (not Linux, or a file system without it): two renames, with
    # a window in which a reader finds no folder and retries.
    retired = staging.with_name(staging.name + "-old")
    os.rename(index_dir, retired)
    os.rename(staging, index_dir)
    shutil.rmtree(retired, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swaps two paths atomically (Linux ``renameat2``); False where that is unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(second))


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Holds the lock that lets one build at a time write ``index_dir``."""
    lock_path = index_dir.parent / f".{index_dir.name}.lock"
    with _write_errors(index_dir):
        index_dir.parent.mkdir(parents=True, exist_ok=True)
        lock_file = lock_path.open("a")
    with lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise BuildLockedError(
                f"another build of {index_dir} is running: wait for it to finish"
            ) from error
        try:
            _remove_stale_staging(index_dir)
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _remove_stale_staging(index_dir: Path) -> None:
    """Removes folders left by a build that was killed before it could clean up.

    A build killed between the two renames of ``_swap_in``'s fallback left no index at all:
    the previous one, moved aside, is put back first.
    """
    stale = sorted(index_dir.parent.glob(f".{index_dir.name}.building-*"))
    aside = [path for path in stale if path.name.endswith("-old")]
    if aside and not index_dir.exists():
        os.rename(aside[0], index_dir)
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
