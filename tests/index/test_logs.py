"""Logging set-up: records go to the standard error of the moment, never a stream that is gone."""

from __future__ import annotations

import io
import logging

import pytest

from index.logs import configure_logging


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
