"""Process set-up: records go to the standard error of the moment, never a stream that is gone;
malloc keeps few arenas."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys

import pytest

from index.logs import configure_logging, limit_malloc_arenas


def test_a_record_goes_to_the_standard_error_of_the_moment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure_logging("INFO")
    gone = io.StringIO()
    monkeypatch.setattr("sys.stderr", gone)
    gone.close()  # the stream logging was set up with is closed: a copy of it would raise
    now = io.StringIO()
    monkeypatch.setattr("sys.stderr", now)
    logging.getLogger("index.test").info("embedding %d texts", 3)
    assert now.getvalue() == "INFO index.test: embedding 3 texts\n"


def test_libraries_log_warnings_and_worse_only() -> None:
    configure_logging("DEBUG")
    assert logging.getLogger("index").getEffectiveLevel() == logging.DEBUG
    assert logging.getLogger("httpx").level == logging.WARNING


def test_malloc_arenas_are_capped_unless_the_environment_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False
    code = "from index.logs import limit_malloc_arenas; print(limit_malloc_arenas())"
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    shown = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert shown.stdout.strip() == "True"  # glibc, as on this machine and in the image
