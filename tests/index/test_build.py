from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.articles.chunking import ChunkingParams
from index.build import build_index
from index.embedding.models import LazyEmbedder
from index.errors import SeedsError
from index.records import Passage
from index.store.folder import StoredIndex, load_index
from tests.conftest import LAVROV_SOURCE
from tests.support.fakes import FakeEmbedder

FRENCH_SOURCE = "001_f51ee47ec4ee7eba.txt"


def test_first_build_embeds_everything_and_records_the_manifest(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    report = build_index(seeds_dir, index_dir, fake_embedder)
    manifest = load_index(index_dir).manifest
    assert report.articles == manifest.articles == 2
    assert report.embedded == report.passages == manifest.passages == 12
    assert manifest.model == "fake-hashing-256" and manifest.dimension == 256
    assert set(manifest.sources) == {LAVROV_SOURCE, FRENCH_SOURCE}
    assert all(len(digest) == 64 for digest in manifest.sources.values())
    assert manifest.chunking == ChunkingParams()


def test_editing_one_article_re_embeds_only_that_article(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    french = seeds_dir / FRENCH_SOURCE
    french.write_text(
        french.read_text(encoding="utf-8") + "\nUn paragraphe ajouté.\n", encoding="utf-8"
    )
    counting = FakeEmbedder()
    report = build_index(seeds_dir, index_dir, counting)
    index = load_index(index_dir)
    french = [p for p in index.passages if p.source == FRENCH_SOURCE]
    assert set(counting.passages_embedded) == set(_texts_to_embed(french))
    assert report.embedded == len(french) and report.reused == 7
    _assert_vectors_match_texts(index)


def test_full_build_re_embeds_everything(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    counting = FakeEmbedder()
    report = build_index(seeds_dir, index_dir, counting, full=True)
    index = load_index(index_dir)
    assert report.written and report.embedded == 12
    assert sorted(counting.passages_embedded) == sorted(_texts_to_embed(index.passages))
    _assert_vectors_match_texts(index)


def _sentence_texts(passage: Passage) -> list[str]:
    return [passage.excerpt(a, b) for a, b in passage.sentences]


def _texts_to_embed(passages: list[Passage]) -> list[str]:
    """Each passage, and each sentence that is not the whole passage."""
    texts = []
    for passage in passages:
        texts.append(passage.text)
        if passage.sentences != ((passage.start, passage.end),):
            texts.extend(_sentence_texts(passage))
    return texts


def _assert_vectors_match_texts(index: StoredIndex) -> None:
    """Every stored vector, reused or new, embeds its own passage or sentence, in its row."""
    embed = FakeEmbedder().embed_passages
    np.testing.assert_allclose(
        index.passage_vectors(np.arange(len(index.passages))),
        embed([p.text for p in index.passages]),
    )
    for passage in index.passages:
        expected = embed(_sentence_texts(passage))
        np.testing.assert_allclose(index.passage_sentence_vectors(passage.id), expected)


def test_unchanged_seeds_leave_the_index_alone(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    built_at = load_index(index_dir).manifest.built_at
    counting = FakeEmbedder()
    report = build_index(seeds_dir, index_dir, counting)
    assert not report.written and report.embedded == 0 and counting.passage_calls == []
    assert load_index(index_dir).manifest.built_at == built_at


def test_removed_and_added_articles(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    (seeds_dir / FRENCH_SOURCE).unlink()
    (seeds_dir / "more" / "extra.md").parent.mkdir()
    (seeds_dir / "more" / "extra.md").write_text("# Extra\n\nA new paragraph.\n", encoding="utf-8")
    counting = FakeEmbedder()
    build_index(seeds_dir, index_dir, counting)
    index = load_index(index_dir)
    assert set(index.articles) == {LAVROV_SOURCE, "more/extra.md"}
    assert counting.passages_embedded == ["A new paragraph."]  # one sentence: embedded once
    assert [p.id for p in index.passages] == list(range(len(index.passages)))


def test_other_model_or_chunking_re_embeds_everything(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    other_model = FakeEmbedder(dimension=32, name="fake-hashing-32")
    assert build_index(seeds_dir, index_dir, other_model).embedded == 12
    assert load_index(index_dir).manifest.model == "fake-hashing-32"
    rechunked = build_index(
        seeds_dir, index_dir, other_model, chunking=ChunkingParams(max_words=40)
    )
    assert rechunked.embedded == rechunked.passages > 12


def test_skipped_files_are_reported_and_the_build_goes_on(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    (seeds_dir / "broken.txt").write_bytes(b"\xff\xfe\x00bad")
    report = build_index(seeds_dir, index_dir, fake_embedder)
    assert [s.source for s in report.skipped] == ["broken.txt"]
    assert report.articles == 2
    assert "broken.txt" in load_index(index_dir).manifest.skipped


def test_no_readable_article_is_an_error(
    tmp_path: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "empty.txt").write_text("")
    with pytest.raises(SeedsError, match="no readable article"):
        build_index(tmp_path / "seeds", index_dir, fake_embedder)
    assert not index_dir.exists()


def test_an_up_to_date_build_never_loads_the_model(seeds_dir: Path, index_dir: Path) -> None:
    loads: list[str] = []

    def load(name: str) -> FakeEmbedder:
        loads.append(name)
        return FakeEmbedder(name=name)

    first = build_index(seeds_dir, index_dir, LazyEmbedder("fake-hashing-256", load))
    assert first.written and loads == ["fake-hashing-256"]
    again = build_index(seeds_dir, index_dir, LazyEmbedder("fake-hashing-256", load))
    assert not again.written and loads == ["fake-hashing-256"]
    (seeds_dir / "new.txt").write_text("New\n\nA new paragraph.\n", encoding="utf-8")
    changed = build_index(seeds_dir, index_dir, LazyEmbedder("fake-hashing-256", load))
    assert changed.written and changed.embedded == 1 and len(loads) == 2


def test_same_name_other_dimension_re_embeds_everything(
    seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder
) -> None:
    build_index(seeds_dir, index_dir, fake_embedder)
    (seeds_dir / "new.txt").write_text("New\n\nA new paragraph.\n", encoding="utf-8")
    wider = FakeEmbedder(dimension=512)  # same name as the fixture's, other vectors
    report = build_index(seeds_dir, index_dir, wider)
    assert report.embedded == report.passages
    assert load_index(index_dir).manifest.dimension == 512
