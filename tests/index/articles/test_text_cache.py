"""The cache of the text readers found in files: a rebuild parses only new and changed files."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from index.articles.ingest import ingest
from index.articles.readers.formats import CACHE_DAYS, prune_text_cache
from index.cache import text_cache_dir
from tests.support.documents import pdf_bytes

PAGES = [["Harbour report", "The quay reopens on 14 March, Halvorsen said."], ["The cranes."]]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return text_cache_dir()


def _seeds(tmp_path: Path, **files: bytes) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir(exist_ok=True)
    for name, data in files.items():
        (seeds / name.replace("_", ".")).write_bytes(data)
    return seeds


def test_a_file_read_again_comes_from_the_cache(tmp_path: Path, cache: Path) -> None:
    seeds = _seeds(tmp_path, report_pdf=pdf_bytes(PAGES), note_txt=b"Title\n\nSome text here.\n")
    first = ingest(seeds).documents
    (entry,) = cache.iterdir()  # the PDF's; a text file is read directly
    assert entry.name.startswith(hashlib.sha256(pdf_bytes(PAGES)).hexdigest())
    assert ingest(seeds).documents == first
    stored = json.loads(entry.read_text(encoding="utf-8"))
    stored[0]["title"] = "What the cache says"
    entry.write_text(json.dumps(stored), encoding="utf-8")
    pdf = next(d for d in ingest(seeds).documents if d.article.source == "report.pdf")
    assert pdf.article.title == "What the cache says"  # read from the cache, not parsed


def test_a_damaged_entry_is_read_again_and_replaced(tmp_path: Path, cache: Path) -> None:
    seeds = _seeds(tmp_path, report_pdf=pdf_bytes(PAGES))
    first = ingest(seeds).documents
    (entry,) = cache.iterdir()
    entry.write_text("{not json", encoding="utf-8")
    assert ingest(seeds).documents == first
    assert json.loads(entry.read_text(encoding="utf-8"))[0]["pages"] == [
        0,
        first[0].article.pages[1],
    ]


def test_an_unreadable_file_is_not_cached(tmp_path: Path, cache: Path) -> None:
    seeds = _seeds(tmp_path, broken_pdf=pdf_bytes(PAGES)[:200])
    assert [s.source for s in ingest(seeds).skipped] == ["broken.pdf"]
    assert not cache.exists() or list(cache.iterdir()) == []


def test_entries_no_build_read_for_a_month_are_pruned(tmp_path: Path, cache: Path) -> None:
    seeds = _seeds(tmp_path, report_pdf=pdf_bytes(PAGES))
    ingest(seeds)
    (used,) = cache.iterdir()
    stale = cache / "stale-entry.json"
    stale.write_text("[]", encoding="utf-8")
    long_ago = time.time() - (CACHE_DAYS + 1) * 86_400
    os.utime(stale, (long_ago, long_ago))
    prune_text_cache()
    assert sorted(p.name for p in cache.iterdir()) == [used.name]
