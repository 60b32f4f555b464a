from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from index.build import EMBED_BATCH, build_index
from index.errors import BuildLockedError, IndexCorruptError, IndexMismatchError, IndexMissingError
from index.retrieval.search import Searcher
from index.store import folder as folder_module
from index.store.folder import MANIFEST, PASSAGES, load_index, rebuild_command
from index.store.staging import build_lock
from tests.support.fakes import FakeEmbedder

VECTORS = "passages.faiss"
SENTENCES = "sentences.faiss"


def test_search_returns_passages_of_the_seeds_with_exact_offsets(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    index = load_index(index_dir, expected_model=fake_embedder.name)
    hits = Searcher(index, fake_embedder).search("Zakharova firmly rejects the accusations", k=3)
    assert "Zakharova" in hits[0].passage.text
    for hit in hits:
        as_read = (seeds_dir / hit.passage.source).read_text(encoding="utf-8")
        assert as_read[hit.passage.start : hit.passage.end] == hit.passage.text
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_k_larger_than_the_index_returns_every_paragraph_once(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    index = load_index(index_dir)
    paragraphs = {(p.source, p.paragraph) for p in index.passages}
    for mode in ("dense", "hybrid"):
        hits = Searcher(index, fake_embedder, mode=mode).search("Berlin", k=1000)
        # Every paragraph once: a long paragraph's passages do not crowd the results.
        assert sorted((h.passage.source, h.passage.paragraph) for h in hits) == sorted(paragraphs)


def test_stored_vectors_round_trip(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    index = load_index(index_dir)
    expected = fake_embedder.embed_passages([p.text for p in index.passages])
    np.testing.assert_allclose(index.passage_vectors(np.arange(len(index.passages))), expected)
    all_sentences = index.sentence_vectors_of(np.arange(len(index.passages)))
    assert all_sentences.shape == (index.manifest.sentences, 256)
    rows = index.sentence_rows
    assert rows[0] == 0 and rows[-1] == index.manifest.sentences


def test_missing_index_names_the_build_command(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="briefing-index build"):
        load_index(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexMissingError, match="briefing-index build"):
        load_index(tmp_path / "empty")


def test_other_model_is_refused(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    with pytest.raises(IndexMismatchError, match="briefing-index build --full"):
        load_index(index_dir, expected_model="intfloat/multilingual-e5-small")
    with pytest.raises(IndexMismatchError, match="fake-hashing-32"):
        Searcher(load_index(index_dir), FakeEmbedder(dimension=32, name="fake-hashing-32"))


def test_other_format_version_is_refused(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    manifest = json.loads((index_dir / MANIFEST).read_text())
    manifest["format_version"] = 99
    (index_dir / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match=r"format version 99.*briefing-index build --full"):
        load_index(index_dir)


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda d: (d / MANIFEST).write_text("{not json"), "not JSON"),
        (lambda d: (d / VECTORS).write_bytes(b"garbage"), "damaged"),
        (lambda d: (d / VECTORS).unlink(), "missing"),
        (lambda d: (d / SENTENCES).write_bytes((d / VECTORS).read_bytes()), "sentences"),
        (
            lambda d: (d / PASSAGES).write_text((d / PASSAGES).read_text().split("\n", 1)[1]),
            "passages",
        ),
        (lambda d: (d / PASSAGES).write_text("[1, 2]\n"), "damaged"),
        (
            lambda d: (d / MANIFEST).write_text("[]"),
            r"damaged \(manifest.json is not a JSON object",
        ),
        (lambda d: (d / MANIFEST).write_text('"v3"'), r"manifest.json is not a JSON object"),
        (
            lambda d: (d / MANIFEST).write_text("{}"),
            r"damaged \(manifest.json has no format_version",
        ),
    ],
    ids=[
        "manifest",
        "vectors",
        "no-vectors",
        "sentences",
        "lost-passage",
        "bad-passage",
        "manifest-array",
        "manifest-string",
        "manifest-empty-object",
    ],
)
def test_damaged_index_is_refused_with_the_rebuild_command(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder, damage, problem: str
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    damage(index_dir)
    with pytest.raises(IndexCorruptError, match=problem) as raised:
        load_index(index_dir)
    assert f"briefing-index build --full --out {index_dir}" in str(raised.value)
    assert "format version None" not in str(raised.value)


def test_interrupted_build_leaves_the_previous_index_loadable(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    before = load_index(index_dir)
    count = EMBED_BATCH + 50  # two batches of texts to embed
    paragraphs = "\n\n".join(f"Lavrov spoke again, for the {n}th time." for n in range(count))
    (seeds_dir / "new.txt").write_text(f"Breaking\n\n{paragraphs}\n", encoding="utf-8")
    failing = FakeEmbedder(fail_after=EMBED_BATCH)  # the second batch fails
    with pytest.raises(RuntimeError, match="on purpose"):
        build_index(seeds_dir, index_dir, failing, full=True)
    assert len(failing.passages_embedded) == EMBED_BATCH  # it failed mid-way, not at the start
    after = load_index(index_dir)
    assert after.manifest == before.manifest
    assert after.passages == before.passages
    assert not [p for p in index_dir.parent.iterdir() if ".building-" in p.name]


def test_a_second_concurrent_build_is_refused(index_dir: Path) -> None:
    with (
        build_lock(index_dir),
        pytest.raises(BuildLockedError, match="another build"),
        build_lock(index_dir),
    ):
        pass


def test_readers_see_a_whole_index_while_builds_swap_it(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    errors: list[BaseException] = []
    stop = threading.Event()

    def read_repeatedly() -> None:
        while not stop.is_set():
            try:
                index = load_index(index_dir)
                assert index.passage_store.size == len(index.passages) == index.manifest.passages
            except BaseException as error:  # collected, reported by the main thread
                errors.append(error)
                return

    reader = threading.Thread(target=read_repeatedly)
    reader.start()
    try:
        for round_number in range(15):
            extra = "Another report. " * (round_number * 30 + 1)
            (seeds_dir / "growing.txt").write_text(f"Growing\n\n{extra}\n", encoding="utf-8")
            build_index(seeds_dir, index_dir, fake_embedder)
    finally:
        stop.set()
        reader.join(timeout=30)
    assert not errors, errors[0]


def test_a_reader_whose_folder_is_swapped_away_before_its_first_read_gets_the_new_index(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reader has opened the folder; a whole build swaps in and removes the old folder
    # before the reader reads its manifest (the moment the threaded test above hits by chance).
    build_index(seeds_dir, index_dir, fake_embedder)
    (seeds_dir / "added.txt").write_text("Added\n\nA report added later.\n", encoding="utf-8")
    real_read = folder_module._read_bytes
    builds = []

    def read_after_a_swap(folder: int, name: str) -> bytes:
        if not builds:
            builds.append(build_index(seeds_dir, index_dir, fake_embedder))
        return real_read(folder, name)

    monkeypatch.setattr(folder_module, "_read_bytes", read_after_a_swap)
    index = load_index(index_dir)
    assert len(builds) == 1
    assert "added.txt" in index.articles


def test_a_crash_while_writing_leaves_the_previous_index(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    before = load_index(index_dir)
    (seeds_dir / "new.txt").write_text("Breaking\n\nNews of the day.\n", encoding="utf-8")

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("index.store.vectors.faiss_store.FaissStore.to_bytes", crash)
    with pytest.raises(OSError, match="disk full"):
        build_index(seeds_dir, index_dir, fake_embedder)
    assert load_index(index_dir).passages == before.passages
    assert sorted(p.name for p in index_dir.parent.iterdir()) == [".index.lock", "index"]


def _truncate(path: Path, keep: float) -> None:
    """Keeps that share of the file; a negative ``keep`` drops that many bytes at the end."""
    data = path.read_bytes()
    path.write_bytes(data[: int(keep) if keep < 0 else int(len(data) * keep)])


@pytest.mark.parametrize("name", [VECTORS, SENTENCES, PASSAGES, "articles.jsonl", MANIFEST])
@pytest.mark.parametrize("keep", [0.0, 0.01, 0.5, -2])
def test_truncated_files_are_refused_with_the_rebuild_command(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder, name: str, keep: float
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    _truncate(index_dir / name, keep)
    with pytest.raises((IndexCorruptError, IndexMissingError)) as raised:
        load_index(index_dir, expected_model=fake_embedder.name)
    message = str(raised.value)
    assert "\n" not in message
    assert ("damaged" in message and rebuild_command(index_dir) in message) or (
        name == MANIFEST and keep == 0.0 and "not JSON" in message
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("5\n", "passages.jsonl line 1 is not a JSON object"),
        ('{"id": 0, "source": "a.txt"', "passages.jsonl line 1 is not a JSON object"),
        ('{"id": 0}\n', "damaged"),
    ],
    ids=["number", "cut-short", "missing-fields"],
)
def test_rows_that_are_not_passages_are_refused(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder, content: str, problem: str
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    (index_dir / PASSAGES).write_text(content, encoding="utf-8")
    with pytest.raises(IndexCorruptError, match=problem):
        load_index(index_dir)


def test_an_index_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "index").write_text("not a folder")
    with pytest.raises(IndexCorruptError, match="cannot be read: Not a directory"):
        load_index(tmp_path / "index")


def _run(command: str, *args: str, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name(command)
    return subprocess.run(
        [str(script), *args],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda d: _truncate(d / VECTORS, 0.5), "is damaged (not a FAISS index"),
        (lambda d: _truncate(d / SENTENCES, 0.0), "is damaged (not a FAISS index"),
        (lambda d: _truncate(d / PASSAGES, 0.5), "is damaged (passages.jsonl line"),
        (lambda d: _truncate(d / "articles.jsonl", 0.0), "is damaged (0 articles"),
        (lambda d: _truncate(d / MANIFEST, 0.5), "is damaged (manifest.json is not JSON)"),
        (
            lambda d: (d / MANIFEST).write_text(
                (d / MANIFEST).read_text().replace("fake-hashing-256", "other/model")
            ),
            "was built with model 'other/model'",
        ),
    ],
    ids=["vectors-half", "sentences-empty", "passages-half", "articles-empty", "manifest", "model"],
)
@pytest.mark.parametrize("command", ["briefing-index search", "briefing-bot ask"])
def test_commands_refuse_a_damaged_index_on_one_line(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder, damage, expected, command: str
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    damage(index_dir)
    program, subcommand = command.split()
    result = _run(
        program,
        subcommand,
        "What did Lavrov say?",
        environment={"BRIEFING_INDEX_DIR": str(index_dir), "EMBEDDING_MODEL": "fake-hashing-256"},
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"{program}: error: index at {index_dir}")
    assert expected in line and "briefing-index build --full" in line
