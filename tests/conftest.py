from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from bot.redaction import TokenRedactingFilter
from index import cli as index_cli
from index import pipeline, service
from index.embedding.models import (
    DEFAULT_MODEL,
    Embedder,
    SentenceTransformerEmbedder,
    load_embedder,
)
from tests.support.botapi import BotApiServer
from tests.support.fakes import FakeEmbedder
from tests.support.harness import TOKEN
from tests.support.paths import SEEDS

pytest_plugins = ("pytester",)

os.environ["HF_HUB_OFFLINE"] = "1"

LAVROV_SOURCE = "000_b99bc40499301570.txt"


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    """A private copy of the repository's seed articles."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "var" / "index"


@pytest.fixture
def fake_env(monkeypatch: pytest.MonkeyPatch, seeds_dir: Path, index_dir: Path) -> Path:
    """The commands' environment pointed at private seeds and index, the fake embedder loaded
    in place of the model; the index folder."""
    monkeypatch.setenv("BRIEFING_SEEDS_DIR", str(seeds_dir))
    monkeypatch.setenv("BRIEFING_INDEX_DIR", str(index_dir))
    monkeypatch.setenv("EMBEDDING_MODEL", "fake-hashing-256")
    for module in (index_cli, pipeline, service):
        monkeypatch.setattr(module, "load_embedder", lambda name, *_: FakeEmbedder(name=name))
    return index_dir


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def e5() -> Embedder:
    """The real bundled model with the product's engine, ONNX Runtime (tests that use it are
    marked ``slow``)."""
    return load_embedder(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def e5_reference() -> SentenceTransformerEmbedder:
    """The same model in sentence-transformers and torch, the reference engine."""
    return SentenceTransformerEmbedder(DEFAULT_MODEL)


# The test bot's token, and its secret alone (e.g. after a ':' percent-encoded in a URL).
TOKEN_FORMS = (TOKEN, TOKEN.split(":", 1)[1])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Fails any test whose captured stdout, stderr or log, or whose Bot API stand-in's calls
    (the bot's replies), show the bot token or its secret. The message does not repeat it."""
    report = yield
    where = [
        title
        for title, text in report.sections
        if title.endswith(f" {report.when}") and any(form in text for form in TOKEN_FORMS)
    ]
    if report.when == "call":
        where += [
            f"a {found.method} call to the Bot API stand-in"
            for server in getattr(item, "funcargs", {}).values()
            if isinstance(server, BotApiServer)
            for found in server.calls()
            if any(form in json.dumps(found.params, default=str) for form in TOKEN_FORMS)
        ]
    if where:
        report.outcome = "failed"
        report.longrepr = "the bot token (or its secret part) appears in: " + "; ".join(where)
    return report


@pytest.fixture(autouse=True)
def _root_logger_as_it_was() -> Iterator[None]:
    """Puts the root logger back as the test found it: the handlers and level a command's
    ``configure_logging`` set, and the redacting filter ``install_redaction`` put on pytest's
    capture handlers. A filter left there would hide the token from the check above, and a
    handler left behind would log every later test to a stream that is gone."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()
    for handler in [h for h in handlers if h not in root.handlers]:
        root.addHandler(handler)
    root.setLevel(level)
    for handler in root.handlers:
        for redacting in [f for f in handler.filters if isinstance(f, TokenRedactingFilter)]:
            handler.removeFilter(redacting)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs, mounted for the test: a real full disk. Skipped where mounting is not
    allowed (not root, or no tmpfs); the file-size-limit tests cover the same path anywhere."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)
