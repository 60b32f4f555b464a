"""A build that dies (SIGKILL) or cannot write (a full disk) leaves the previous index served and
loadable, leaves nothing behind that the next build trips over, and says what to do."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index import cli
from index.build import EMBED_BATCH, build_index
from index.store.folder import MANIFEST, StoredIndex, load_index
from tests.support.fakes import FakeEmbedder
from tests.support.paths import REPO

MINILM = "sentence-transformers/all-MiniLM-L6-v2"

# A build in its own process, with the fake embedder, that stops to be killed at one point.
_PAUSING_BUILD = r"""
import sys, time
from pathlib import Path
from index.store import staging
from index.build import build_index
from index.store.vectors import faiss_store
from tests.support.fakes import FakeEmbedder

seeds, index_dir, pause, marker = sys.argv[1:]

def hold():
    Path(marker).write_text(pause)
    time.sleep(600)

class SecondBatchHolds(FakeEmbedder):
    def embed_passages(self, texts):
        if pause == "embedding" and self.passage_calls:
            hold()
        return super().embed_passages(texts)

save = faiss_store.FaissBackend.save
def save_then_hold(self, folder, name, vectors, build_id):
    reference = save(self, folder, name, vectors, build_id)
    if pause == "writing":
        hold()
    return reference
faiss_store.FaissBackend.save = save_then_hold

rename_over = staging._rename_over
def rename_then_hold(first, second):
    rename_over(first, second)
    if pause == "swapped":
        hold()
staging._rename_over = rename_then_hold

build_index(Path(seeds), Path(index_dir), SecondBatchHolds(), full=True)
"""

# ``briefing-index`` itself, in its own process, with the fake embedder instead of a real model,
# and a limit on the size of any file it writes. Language detection unpacks its model into the
# cache on first use: done before the limit, which is meant for the index's files.
_LIMITED_CLI = r"""
import resource, sys
from index.articles.langid_model import classify
limit, *args = sys.argv[1:]
classify("The minister spoke.")
resource.setrlimit(resource.RLIMIT_FSIZE, (int(limit), int(limit)))  # SIGXFSZ is ignored
from index import cli
from tests.support.fakes import FakeEmbedder
cli.load_embedder = lambda name, *_: FakeEmbedder(name=name)
sys.exit(cli.main(args))
"""


def _add_articles(seeds_dir: Path, count: int, paragraphs: int = 5) -> None:
    for number in range(count):
        body = "\n\n".join(
            f"Report {number}.{p}: the ministry said talks on item {p} would go on. "
            f"Officials in Berlin declined to comment on case {number}."
            for p in range(paragraphs)
        )
        (seeds_dir / f"extra-{number:03d}.txt").write_text(f"Wire {number}\n\n{body}\n", "utf-8")


def _leftovers(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.parent.iterdir() if ".building-" in p.name)


def _same_index(after: StoredIndex, before: StoredIndex) -> None:
    assert after.manifest == before.manifest
    assert after.passages == before.passages
    assert after.articles == before.articles


def _environment(**extra: str) -> dict[str, str]:
    python_path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": python_path, **extra}


def _kill_when_paused(pause: str, seeds_dir: Path, index_dir: Path, marker: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", _PAUSING_BUILD, str(seeds_dir), str(index_dir), pause, str(marker)],
        env=_environment(),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None, f"the build ended first: {process.communicate()[1]}"
            assert time.monotonic() < deadline, "the build never reached the pause"
            time.sleep(0.02)
    finally:
        process.kill()  # SIGKILL: no finally block, no cleanup runs in the build
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL


@pytest.mark.parametrize("pause", ["embedding", "writing"])
def test_a_build_killed_before_the_swap_leaves_the_previous_index(
    seeds_dir: Path, index_dir: Path, tmp_path: Path, pause: str
) -> None:
    build_index(seeds_dir, index_dir, FakeEmbedder())
    before = load_index(index_dir)
    _add_articles(seeds_dir, 30)
    _kill_when_paused(pause, seeds_dir, index_dir, tmp_path / "marker")
    _same_index(load_index(index_dir, expected_model=FakeEmbedder().name), before)
    if pause == "writing":  # the kill landed with a half-written folder beside the index
        (staged,) = _leftovers(index_dir)
        assert sorted(p.name for p in (index_dir.parent / staged).iterdir()) == [
            "articles.jsonl",
            "passages.faiss",
            "passages.jsonl",
        ]
    report = build_index(seeds_dir, index_dir, FakeEmbedder())  # the lock died with the process
    assert report.written and report.articles == 32
    assert load_index(index_dir).manifest.articles == 32
    assert _leftovers(index_dir) == []


def test_a_build_killed_after_the_swap_leaves_the_new_index(
    seeds_dir: Path, index_dir: Path, tmp_path: Path
) -> None:
    build_index(seeds_dir, index_dir, FakeEmbedder())
    before = load_index(index_dir)
    _add_articles(seeds_dir, 3)
    _kill_when_paused("swapped", seeds_dir, index_dir, tmp_path / "marker")
    assert load_index(index_dir).manifest.articles == 5
    (staged,) = _leftovers(index_dir)  # the previous index, which the build had no time to remove
    previous = load_index(index_dir.parent / staged)
    assert previous.manifest == before.manifest and previous.passages == before.passages
    assert not build_index(seeds_dir, index_dir, FakeEmbedder()).written
    assert _leftovers(index_dir) == []


def test_a_build_killed_between_the_two_renames_of_the_fallback_swap(
    seeds_dir: Path, index_dir: Path
) -> None:
    """Where renameat2 is missing the swap is two renames; a kill between them left no index."""
    build_index(seeds_dir, index_dir, FakeEmbedder())
    before = load_index(index_dir)
    aside = index_dir.with_name(".index.building-killed-old")
    index_dir.rename(aside)  # the first rename
    (index_dir.parent / ".index.building-killed").mkdir()  # the new one, never renamed
    assert not build_index(seeds_dir, index_dir, FakeEmbedder()).written  # the old one is back
    _same_index(load_index(index_dir), before)
    assert _leftovers(index_dir) == []


def _fill(disk: Path, leave: int) -> Path:
    """Fills ``disk`` up to ``leave`` bytes, with one file."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as file:
        try:
            while True:
                file.write(b"\xff" * 4096)
        except OSError:
            pass
    filler.write_bytes(b"\xff" * max(filler.stat().st_size - leave, 0))
    return filler


@pytest.fixture
def index_on_small_disk(fake_env: Path, small_disk: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The commands' index folder on the small disk, built with the fake embedder."""
    index_dir = small_disk / "index"
    monkeypatch.setenv("BRIEFING_INDEX_DIR", str(index_dir))
    return index_dir


def test_a_full_disk_is_a_one_line_error_and_the_previous_index_stays(
    small_disk: Path,
    seeds_dir: Path,
    index_on_small_disk: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    index_dir = index_on_small_disk
    assert cli.main(["build"]) == 0
    before = load_index(index_dir)
    _add_articles(seeds_dir, 40)  # some 600 KB of vectors: more than the disk has left
    filler = _fill(small_disk, leave=150_000)
    capsys.readouterr()
    assert cli.main(["build"]) == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("briefing-index: error:")]
    assert errors == [line for line in err.splitlines() if not line.startswith("INFO")]
    (message,) = errors
    assert f"cannot write the index at {index_dir}: the disk is full (No space left" in message
    assert "free some space" in message and "the index there is unchanged" in message
    assert "Traceback" not in err
    assert _leftovers(index_dir) == []
    _same_index(load_index(index_dir), before)
    filler.unlink()
    assert cli.main(["build"]) == 0
    assert load_index(index_dir).manifest.articles == 42


def _limited_build(
    seeds_dir: Path, index_dir: Path, limit: int
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _LIMITED_CLI, str(limit), "build"],
        env=_environment(BRIEFING_SEEDS_DIR=str(seeds_dir), BRIEFING_INDEX_DIR=str(index_dir)),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_file_size_limit_is_a_one_line_error_and_the_previous_index_stays(
    seeds_dir: Path, index_dir: Path
) -> None:
    build_index(seeds_dir, index_dir, FakeEmbedder())
    before = load_index(index_dir)
    _add_articles(seeds_dir, 20)
    result = _limited_build(seeds_dir, index_dir, 64_000)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(
        f"briefing-index: error: cannot write the index at {index_dir}: a file is over the size "
        "limit of this process or file system (File too large): raise the limit (ulimit -f)"
    )
    assert "Traceback" not in result.stderr
    assert _leftovers(index_dir) == []
    _same_index(load_index(index_dir), before)
    assert build_index(seeds_dir, index_dir, FakeEmbedder()).articles == 22


# build_index alone in a process whose files may not grow past 64 KB: language detection has not
# unpacked its model yet (``briefing-index`` itself now does that when it imports index.answers).
_COLD_BUILD = r"""
import resource, sys
resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, 64_000))
from pathlib import Path
from index.build import build_index
from index.errors import BriefingError
from tests.support.fakes import FakeEmbedder
try:
    build_index(Path(sys.argv[1]), Path(sys.argv[2]), FakeEmbedder())
except BriefingError as error:
    sys.exit(f"{type(error).__name__}: {error}")
"""


def test_no_room_for_temporary_files_is_one_error_not_every_article_skipped(
    seeds_dir: Path, index_dir: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _COLD_BUILD, str(seeds_dir), str(index_dir)],
        env=_environment(XDG_CACHE_HOME=str(index_dir.parent / "cold-cache")),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "WARNING" not in result.stderr and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("IndexWriteError: cannot detect the articles' languages (File too")
    assert "set XDG_CACHE_HOME and TMPDIR" in line
    assert not index_dir.exists()


def test_the_first_build_on_a_full_disk_leaves_nothing(
    small_disk: Path, index_on_small_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index_dir = index_on_small_disk
    _fill(small_disk, leave=0)
    assert cli.main(["build"]) == 1
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert "the disk is full" in message and "unchanged" not in message
    assert not index_dir.exists() and _leftovers(index_dir) == []


@pytest.mark.slow
def test_the_real_build_command_killed_mid_embedding(seeds_dir: Path, index_dir: Path) -> None:
    script = str(Path(sys.executable).with_name("briefing-index"))
    environment = _environment(
        BRIEFING_SEEDS_DIR=str(seeds_dir),
        BRIEFING_INDEX_DIR=str(index_dir),
        EMBEDDING_MODEL=MINILM,
        LOG_LEVEL="DEBUG",
    )
    first = subprocess.run(
        [script, "build"], env=environment, capture_output=True, text=True, timeout=300
    )
    assert first.returncode == 0, first.stderr
    before = load_index(index_dir, expected_model=MINILM)
    for number in range(20):  # 300 short texts, one a paragraph: a batch of 256, then the rest
        body = "\n\n".join(f"Talks resumed in case {number}-{p}." for p in range(15))
        (seeds_dir / f"extra-{number:03d}.txt").write_text(f"Wire {number}\n\n{body}\n", "utf-8")
    process = subprocess.Popen(
        [script, "build"], env=environment, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if f"embedded {EMBED_BATCH} of" in line:
                break
        else:
            pytest.fail("the build ended without embedding a first batch")
        assert process.poll() is None, "the build finished before it could be killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    _same_index(load_index(index_dir, expected_model=MINILM), before)
    info = subprocess.run(
        [script, "info", "--json"], env=environment, capture_output=True, text=True, timeout=120
    )
    assert json.loads(info.stdout) == json.loads((index_dir / MANIFEST).read_text())
    assert json.loads(info.stdout)["articles"] == 2
    again = subprocess.run(
        [script, "build"], env=environment, capture_output=True, text=True, timeout=600
    )
    assert again.returncode == 0, again.stderr
    assert "22 articles" in again.stdout
    assert load_index(index_dir, expected_model=MINILM).manifest.articles == 22
    assert _leftovers(index_dir) == []


@pytest.mark.slow
def test_the_real_build_command_on_a_full_disk(small_disk: Path, seeds_dir: Path) -> None:
    script = str(Path(sys.executable).with_name("briefing-index"))
    index_dir = small_disk / "index"
    _add_articles(seeds_dir, 10)  # some 230 KB of vectors, a third of what is left
    _fill(small_disk, leave=80_000)
    result = subprocess.run(
        [script, "build"],
        env=_environment(
            BRIEFING_SEEDS_DIR=str(seeds_dir),
            BRIEFING_INDEX_DIR=str(index_dir),
            EMBEDDING_MODEL=MINILM,
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1 and errors[0].startswith("briefing-index: error: cannot write")
    assert "the disk is full (No space left on device" in errors[0]
    assert not index_dir.exists() and _leftovers(index_dir) == []
