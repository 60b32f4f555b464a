"""Whatever lands in the seeds folder, a bad file costs only itself: it is skipped with a warning
naming it, and every other article is indexed exactly as without it."""

from __future__ import annotations

import logging
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from index import cli
from index.articles.chunking import ChunkingParams, chunk_document
from index.articles.ingest import MAX_ARTICLE_BYTES, Document, ingest, read_document
from index.build import build_index
from index.retrieval.search import Searcher
from index.store.folder import load_index
from tests.conftest import LAVROV_SOURCE
from tests.support.fakes import FakeEmbedder

FRENCH_SOURCE = "001_f51ee47ec4ee7eba.txt"
GOOD = "Moscow talks\n\nThe minister said the talks would resume in Berlin on Monday.\n"
_WORDS = re.compile(r"\S+")


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def _skipped(seeds: Path) -> dict[str, str]:
    return {skip.source: skip.reason for skip in ingest(seeds).skipped}


def test_binary_files_are_skipped_even_when_they_decode_as_utf8(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "nul.txt").write_bytes(b"Title\n\nSome text\x00\x00\x00 and more.\n")
    (tmp_path / "utf16.txt").write_bytes("Title\n\nThe minister said.\n".encode("utf-16-le"))
    (tmp_path / "controls.md").write_bytes(bytes(range(1, 9)) * 200 + b"a few letters")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with caplog.at_level(logging.WARNING):
        skipped = _skipped(tmp_path)
    assert set(skipped) == {"nul.txt", "utf16.txt", "controls.md", "image.txt"}
    assert "NUL bytes" in skipped["nul.txt"] and "UTF-16" in skipped["utf16.txt"]
    assert "control characters" in skipped["controls.md"]
    assert "a binary file" in skipped["image.txt"] and "not UTF-8" not in skipped["image.txt"]
    for name in skipped:
        assert any(message.startswith(f"skipped {name}: ") for message in _warnings(caplog))
    assert [d.article.source for d in ingest(tmp_path).documents] == ["good.txt"]


def test_binary_files_that_are_not_utf8_are_called_binary_not_misencoded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4
    (tmp_path / "photo.txt").write_bytes(png)
    (tmp_path / "archive.md").write_bytes(random.Random(7).randbytes(4096))
    (tmp_path / "utf16-bom.txt").write_bytes("Title\n\nThe minister said.\n".encode("utf-16"))
    (tmp_path / "latin1.txt").write_bytes("Titre\n\nLe ministre a déclaré.\n".encode("latin-1"))
    with caplog.at_level(logging.WARNING):
        skipped = _skipped(tmp_path)
    assert skipped["photo.txt"] == skipped["archive.md"]
    assert (
        skipped["photo.txt"] == "a binary file (an image, a PDF, an archive?), not a text article"
    )
    assert skipped["utf16-bom.txt"] == "UTF-16 text: save it as UTF-8"
    assert skipped["latin1.txt"].startswith("not UTF-8 text")  # text in another encoding
    assert f"skipped photo.txt: {skipped['photo.txt']}" in _warnings(caplog)


def test_a_few_control_characters_are_still_text(tmp_path: Path) -> None:
    (tmp_path / "ff.txt").write_text(GOOD + "\f\x1b[0m Page two of the report.\n", "utf-8")
    assert [d.article.source for d in ingest(tmp_path).documents] == ["ff.txt"]


def test_files_over_the_size_limit_are_skipped_unread(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    huge = tmp_path / "dump.txt"
    with huge.open("wb") as file:  # sparse: the size is real, the disk stays empty
        file.truncate(MAX_ARTICLE_BYTES + 1)
    with caplog.at_level(logging.WARNING):
        result = ingest(tmp_path)
    assert [d.article.source for d in result.documents] == ["good.txt"]
    (warning,) = [m for m in _warnings(caplog) if "dump.txt" in m]
    assert "over the 5 MB limit" in warning


def test_the_size_limit_is_inclusive(tmp_path: Path) -> None:
    text = (GOOD * 20).encode()
    (tmp_path / "exact.txt").write_bytes(text[:1000])
    (tmp_path / "over.txt").write_bytes(text[:1001])
    result = ingest(tmp_path, max_bytes=1000)
    assert [d.article.source for d in result.documents] == ["exact.txt"]
    assert [s.source for s in result.skipped] == ["over.txt"]


def _one_line_article(tmp_path: Path, line: str) -> Document:
    # With a title line: a file that is one line without spaces would be read as a title alone.
    path = tmp_path / "line.txt"
    path.write_text("A long line\n\n" + line + "\n", encoding="utf-8")
    return read_document(path, tmp_path)


@pytest.mark.parametrize("kind", ["words", "no-spaces", "chinese"])
def test_a_megabyte_line_without_sentences_makes_bounded_passages(
    tmp_path: Path, kind: str
) -> None:
    rng = random.Random(6)
    words = ["sanctions", "talks", "Berlin", "evidence", "said", "cyber", "ministry"]
    line = {
        "words": lambda: " ".join(rng.choice(words) for _ in range(140_000)),
        "no-spaces": lambda: "".join(rng.choice("abcdefghij0123456789+/") for _ in range(10**6)),
        "chinese": lambda: "".join(
            rng.choice("外交部发言人表示俄罗斯德国会谈") for _ in range(350_000)
        ),
    }[kind]()
    assert len(line.encode()) >= 10**6
    document = _one_line_article(tmp_path, line)
    params = ChunkingParams()
    spans = chunk_document(document, params)
    as_read = (tmp_path / "line.txt").read_text(encoding="utf-8")
    assert len(spans) > 100
    for span in spans:
        passage = as_read[span.start : span.end]
        assert len(passage) <= params.hard_max_chars
        assert len(passage.split()) <= params.hard_max_words
        assert passage == passage.strip()
        assert all(span.start <= a < b <= span.end for a, b in span.sentences)
    # Nothing lost, nothing repeated: the passages are the body, cut only at spaces (if any).
    body = as_read[document.body_start :].strip()
    joined = "".join("".join(as_read[s.start : s.end].split()) for s in spans)
    assert joined == "".join(body.split())
    assert [s.start for s in spans] == sorted(s.start for s in spans)


def test_a_megabyte_line_is_indexed_and_searchable(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    line = " ".join(f"report{n} said" for n in range(60_000)) + " Quokkas vanished overnight"
    (seeds_dir / "line.txt").write_text(f"A long wire\n\n{line}\n", encoding="utf-8")
    report = build_index(seeds_dir, index_dir, fake_embedder)
    index = load_index(index_dir)
    assert report.articles == 3 and not report.skipped
    long_passages = [p for p in index.passages if p.source == "line.txt"]
    assert max(len(p.text) for p in long_passages) <= ChunkingParams().hard_max_chars
    hit = Searcher(index, fake_embedder).search("Quokkas vanished overnight", k=1)[0]
    assert hit.passage.source == "line.txt" and hit.passage.text.endswith("vanished overnight")


def test_links_out_of_the_folder_are_refused_and_links_within_followed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seeds, outside = tmp_path / "seeds", tmp_path / "outside"
    (seeds / ".store").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret\n\nThe password is hunter2.\n", "utf-8")
    (outside / "more.txt").write_text("More\n\nAlso secret.\n", encoding="utf-8")
    (seeds / ".store" / "kept.txt").write_text(GOOD, encoding="utf-8")
    (seeds / "leak.txt").symlink_to(outside / "secret.txt")
    (seeds / "relative.md").symlink_to(Path("..") / "outside" / "secret.txt")
    (seeds / "archive").symlink_to(outside, target_is_directory=True)
    (seeds / "broken.txt").symlink_to(seeds / "gone.txt")
    (seeds / "inside.txt").symlink_to(seeds / ".store" / "kept.txt")
    (seeds / "sub").mkdir()
    (seeds / "sub" / "alias.txt").symlink_to(Path("..") / "inside.txt")
    with caplog.at_level(logging.WARNING):
        result = ingest(seeds)
    assert [d.article.source for d in result.documents] == ["inside.txt"]
    skipped = {skip.source: skip.reason for skip in result.skipped}
    assert set(skipped) == {"leak.txt", "relative.md", "archive", "broken.txt", "sub/alias.txt"}
    assert "the same text as inside.txt" in skipped["sub/alias.txt"]
    for name in ("leak.txt", "relative.md"):
        assert "outside the seeds folder: refused" in skipped[name]
    assert "folder: not followed" in skipped["archive"]
    assert "broken symbolic link" in skipped["broken.txt"]
    assert all(any(f"skipped {name}: " in m for m in _warnings(caplog)) for name in skipped)
    assert not any("hunter2" in d.text for d in result.documents)


def test_a_seeds_folder_reached_through_a_link_is_read(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "seeds").symlink_to(tmp_path / "real", target_is_directory=True)
    assert [d.article.source for d in ingest(tmp_path / "seeds").documents] == ["a.txt"]


def test_a_fifo_does_not_hang_the_build(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.txt")
    assert _skipped(tmp_path) == {"pipe.txt": "not a regular file"}


def test_names_that_cannot_be_shown_on_one_line_are_skipped(
    tmp_path: Path, seeds_dir: Path, index_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (seeds_dir / "evil\nWARNING forged.txt").write_text(GOOD, encoding="utf-8")
    (seeds_dir / os.fsdecode(b"caf\xe9.txt")).write_text(GOOD + "Other.\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        report = build_index(seeds_dir, index_dir, FakeEmbedder())
    assert report.articles == 2
    assert {s.source for s in report.skipped} == {"evil\\nWARNING forged.txt", "caf\\xe9.txt"}
    assert all("\n" not in message for message in _warnings(caplog))
    assert set(load_index(index_dir).manifest.skipped) == {s.source for s in report.skipped}


def test_duplicates_are_indexed_once_and_reported_with_both_names(
    seeds_dir: Path, index_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    original = (seeds_dir / LAVROV_SOURCE).read_bytes()
    (seeds_dir / "copy" / "again.txt").parent.mkdir()
    (seeds_dir / "copy" / "again.txt").write_bytes(original)
    (seeds_dir / "windows.txt").write_bytes(original.replace(b"\n", b"\r\n"))
    with caplog.at_level(logging.WARNING):
        report = build_index(seeds_dir, index_dir, FakeEmbedder())
    assert report.articles == 2 and report.passages == 12
    assert {(d.source, d.duplicate_of) for d in report.duplicates} == {
        ("copy/again.txt", LAVROV_SOURCE),
        ("windows.txt", LAVROV_SOURCE),
    }
    index = load_index(index_dir)
    assert set(index.articles) == {LAVROV_SOURCE, FRENCH_SOURCE}
    assert LAVROV_SOURCE in index.manifest.skipped["windows.txt"]
    for name in ("copy/again.txt", "windows.txt"):
        assert any(name in m and LAVROV_SOURCE in m for m in _warnings(caplog))


def test_every_bad_file_at_once_costs_only_itself(
    tmp_path: Path, seeds_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    clean = build_index(seeds_dir, tmp_path / "clean", fake_embedder)
    outside = tmp_path / "secret.txt"
    outside.write_text("Secret\n\nhunter2\n", encoding="utf-8")
    (seeds_dir / "leak.txt").symlink_to(outside)
    (seeds_dir / "nul.txt").write_bytes(b"a\x00b")
    (seeds_dir / "latin1.txt").write_bytes("Le ministre a déclaré".encode("latin-1"))
    (seeds_dir / "empty.md").write_bytes(b"")
    (seeds_dir / "copy.txt").write_bytes((seeds_dir / FRENCH_SOURCE).read_bytes())
    with (seeds_dir / "dump.txt").open("wb") as file:
        file.truncate(MAX_ARTICLE_BYTES + 1)
    report = build_index(seeds_dir, tmp_path / "hostile", fake_embedder)
    assert len(report.skipped) == 6
    assert load_index(tmp_path / "hostile").passages == load_index(tmp_path / "clean").passages
    assert report.passages == clean.passages


def test_build_prints_each_skipped_file_on_one_line(
    seeds_dir: Path,
    index_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BRIEFING_SEEDS_DIR", str(seeds_dir))
    monkeypatch.setenv("BRIEFING_INDEX_DIR", str(index_dir))
    monkeypatch.setenv("EMBEDDING_MODEL", "fake-hashing-256")
    monkeypatch.setattr(cli, "load_embedder", lambda name, *_: FakeEmbedder(name=name))
    (seeds_dir / "nul.txt").write_bytes(b"a\x00b")
    (seeds_dir / "two\nlines.txt").write_text(GOOD, encoding="utf-8")
    (seeds_dir / "copy.txt").write_bytes((seeds_dir / FRENCH_SOURCE).read_bytes())
    assert cli.main(["build"]) == 0
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if line.startswith("WARNING")]
    assert warnings == [
        "WARNING index.ingest: skipped copy.txt: the same text as 001_f51ee47ec4ee7eba.txt, "
        "which is indexed in its place",
        "WARNING index.ingest: skipped nul.txt: holds NUL bytes: a binary file, or UTF-16 text "
        "(save it as UTF-8)",
        "WARNING index.ingest: skipped two\\nlines.txt: its name holds control characters or "
        "bytes that are not UTF-8: rename it",
    ]
    assert "2 articles, 12 passages, 3 skipped (1 duplicate)" in captured.out


@pytest.mark.slow
def test_the_real_build_command_reports_hostile_files_on_one_line_each(
    seeds_dir: Path, tmp_path: Path
) -> None:
    (seeds_dir / "nul.txt").write_bytes(b"a\x00b")
    (seeds_dir / "leak.txt").symlink_to("/etc/passwd")
    (seeds_dir / "copy.txt").write_bytes((seeds_dir / FRENCH_SOURCE).read_bytes())
    (seeds_dir / "line.txt").write_text("Long\n\n" + "word " * 3000 + "\n", encoding="utf-8")
    environment = {
        **os.environ,
        "BRIEFING_SEEDS_DIR": str(seeds_dir),
        "BRIEFING_INDEX_DIR": str(tmp_path / "index"),
        "EMBEDDING_MODEL": "sentence-transformers/all-MiniLM-L6-v2",
    }
    script = Path(sys.executable).with_name("briefing-index")
    result = subprocess.run(
        [str(script), "build"], env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert sorted(line.split(":")[1].strip() for line in warnings) == [
        "skipped copy.txt",
        "skipped leak.txt",
        "skipped nul.txt",
    ]
    assert "3 articles" in result.stdout and "3 skipped (1 duplicate)" in result.stdout
    index = load_index(tmp_path / "index")
    assert max(len(p.text.split()) for p in index.passages) <= ChunkingParams().hard_max_words
