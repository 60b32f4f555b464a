"""Reading apart: the bot adds and rebuilds without the readers' libraries in its process, and a
reader that dies costs one read, not the bot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from index.articles.apart import run_apart
from index.errors import SeedsError
from tests.support.documents import pdf_bytes
from tests.support.paths import REPO, SEEDS

_SCRIPT = """
import asyncio, shutil, sys
from pathlib import Path
from index.build import build_index
from index.config import IndexSettings
from index.service import BriefingService
from tests.support.fakes import FakeEmbedder

root, pdf = Path(sys.argv[1]), Path(sys.argv[2]).read_bytes()
shutil.copytree(sys.argv[3], root / "seeds")
settings = IndexSettings(root / "seeds", root / "index", "fake-hashing-256")
build_index(settings.seeds_dir, settings.index_dir, FakeEmbedder(), apart=True)
service = BriefingService(settings, FakeEmbedder())
added = asyncio.run(service.add("report.pdf", pdf))
readers = ("pypdf", "trafilatura", "docx", "feedparser", "lxml", "htmldate")
print(added.source, len(added.articles), sorted(m for m in readers if m in sys.modules))
"""


def test_the_bot_adds_a_pdf_without_importing_any_reader(tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(pdf_bytes([["Harbour report", "The quay reopens on 14 March."]]))
    printed = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(tmp_path), str(pdf), str(SEEDS)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=240,
    ).stdout
    assert printed.splitlines()[-1] == "telegram/report.pdf 1 []"


def test_a_reader_that_dies_is_a_briefing_error_not_a_crash() -> None:
    with pytest.raises(SeedsError, match="the process reading the articles died"):
        run_apart(os._exit, 3)


def test_what_the_reader_raises_is_raised_here() -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        run_apart(int, "not a number")
