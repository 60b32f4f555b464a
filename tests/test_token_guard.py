"""The token guard of tests/conftest.py, run on tests that leak the token on purpose."""

from __future__ import annotations

import pytest

from tests.support.paths import REPO

LEAKY_TESTS = """
import json
import logging
import sys
import urllib.request

import pytest

from bot.redaction import install_redaction
from tests.support.botapi import BotApiServer
from tests.support.harness import TOKEN

SECRET = TOKEN.split(":", 1)[1]
logger = logging.getLogger("leaky")


def test_clean():
    logger.warning("polling bot<token>/getUpdates")
    print("nothing to see")


def test_token_in_a_log_record():
    logger.warning("polling bot%s/getUpdates", TOKEN)


def test_secret_in_a_debug_record(caplog):
    caplog.set_level(logging.DEBUG)
    logger.debug("url http://127.0.0.1/bot123456789%%3A%s/file", SECRET)


def test_token_in_a_logged_traceback():
    try:
        raise RuntimeError(f"request to bot{TOKEN} failed")
    except RuntimeError:
        logger.exception("error while handling an update")


def test_secret_on_stdout():
    print(SECRET)


@pytest.fixture
def noisy():
    print(TOKEN, file=sys.stderr)


def test_token_on_stderr_in_setup(noisy):
    pass


def test_redaction_installed_here():
    install_redaction()
    logger.warning("polling bot%s/getUpdates", TOKEN)


def test_token_in_a_log_record_after_redaction_was_installed():
    logger.warning("polling bot%s/getUpdates", TOKEN)


@pytest.fixture
def server():
    with BotApiServer(token=TOKEN) as api:
        api.add_chat(42)
        yield api


def test_token_in_a_reply(server):
    body = json.dumps({"chat_id": 42, "text": "my token is " + SECRET}).encode()
    url = f"{server.base_url}{TOKEN}/sendMessage"
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    urllib.request.urlopen(request).close()
"""


def test_the_guard_fails_every_test_that_shows_the_token(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A separate process: in this one the leaky tests' log records would reach this test's
    # own capture, and the guard would (rightly) fail it. Captured output is not shown, so
    # the token does not come back through the report either.
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    pytester.makepyfile(test_leaky=LEAKY_TESTS)
    result = pytester.runpytest_subprocess(
        "-p", "tests.conftest", "-p", "no:cacheprovider", "--show-capture=no", "--tb=no", "-rA"
    )
    outcomes = {
        line.split("::")[1].split(" ")[0]: line.split(" ")[0]
        for line in result.outlines
        if "test_leaky.py::" in line
    }
    assert outcomes == {
        "test_clean": "PASSED",
        "test_token_in_a_log_record": "FAILED",
        "test_secret_in_a_debug_record": "FAILED",
        "test_token_in_a_logged_traceback": "FAILED",
        "test_secret_on_stdout": "FAILED",
        "test_token_on_stderr_in_setup": "ERROR",
        "test_redaction_installed_here": "PASSED",
        "test_token_in_a_log_record_after_redaction_was_installed": "FAILED",
        "test_token_in_a_reply": "FAILED",
    }
