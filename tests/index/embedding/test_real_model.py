"""The real models, end to end. Slow: loads sentence-transformers and torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index import cli
from index.build import build_index
from index.config import IndexSettings
from index.embedding.models import (
    DEFAULT_MODEL,
    Embedder,
    SentenceTransformerEmbedder,
    load_embedder,
)
from index.errors import ModelLoadError
from index.pipeline import Pipeline
from index.quality.evaluation import read_question_set
from index.retrieval.search import Searcher
from index.retrieval.speakers import asked_speaker
from index.store.folder import load_index
from tests.conftest import LAVROV_SOURCE
from tests.support.paths import REPO

pytestmark = pytest.mark.slow

MINILM = "sentence-transformers/all-MiniLM-L6-v2"


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    return load_embedder(MINILM)


@pytest.fixture(scope="session")
def seed_index(e5: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    index_dir = tmp_path_factory.mktemp("e5") / "index"
    build_index(REPO / "seeds", index_dir, e5)
    return index_dir


@pytest.fixture(scope="session")
def seed_answerer(e5: Embedder, seed_index: Path) -> Pipeline:
    return Pipeline.over(load_index(seed_index, expected_model=DEFAULT_MODEL), e5)


def test_the_briefings_own_question_sets_hold_their_baseline(
    e5: Embedder,
    seed_index: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The regression gate of CI: `briefing-index eval` over seeds/.eval against baseline.json."""
    monkeypatch.setenv("BRIEFING_SEEDS_DIR", str(REPO / "seeds"))
    monkeypatch.setenv("BRIEFING_INDEX_DIR", str(seed_index))
    monkeypatch.setenv("EMBEDDING_MODEL", DEFAULT_MODEL)
    monkeypatch.setattr(cli, "load_embedder", lambda name, *_: e5)
    code = cli.main(["eval"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "within 0.04 of the baseline" in captured.out


def test_models_give_unit_vectors(e5: Embedder, minilm: Embedder) -> None:
    for embedder, dimension in ((e5, 384), (minilm, 384)):
        vectors = embedder.embed_passages(["Lavrov said Berlin gave no evidence.", "Bonjour"])
        assert vectors.shape == (2, dimension) and vectors.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
        assert embedder.embed_queries([]).shape == (0, dimension)


def test_e5_uses_its_query_and_passage_prompts(e5: Embedder) -> None:
    query = e5.embed_queries(["What did Lavrov say?"])[0]
    passage = e5.embed_passages(["What did Lavrov say?"])[0]
    assert float(query @ passage) < 0.999


def test_english_only_model_still_finds_lavrov(
    minilm: Embedder, seeds_dir: Path, index_dir: Path
) -> None:
    build_index(seeds_dir, index_dir, minilm)
    searcher = Searcher(load_index(index_dir, expected_model=MINILM), minilm)
    best = searcher.search("What did Lavrov say?", k=3)[0]
    assert (best.passage.source, best.passage.paragraph) == (LAVROV_SOURCE, 6)


def test_every_speaker_question_puts_the_quoting_paragraph_first(seed_answerer: Pipeline) -> None:
    questions = read_question_set(REPO / "seeds" / ".eval" / "seed_questions.jsonl")
    speaker_questions = [q for q in questions if q.gold and asked_speaker(q.question)]
    assert len(speaker_questions) >= 15
    for question in speaker_questions:
        answer = seed_answerer.answer(question.question)
        assert answer.found, question.question
        first = answer.citations[0].hit.passage
        assert (first.source, first.paragraph) in question.gold, question.question
        if (
            "Lavrov" in question.question
            or "Lawrow" in question.question
            or "Лавров" in question.question
        ):
            assert (first.source, first.paragraph) == (LAVROV_SOURCE, 6), question.question
            assert "did not provide evidence" in answer.text


def test_french_question_finds_the_english_quote_and_vice_versa(seed_answerer: Pipeline) -> None:
    answer = seed_answerer.answer("Qu'a déclaré Maria Zakharova ?")
    assert "Maria Zakharova said that Moscow firmly rejects the accusations" in answer.text
    answer = seed_answerer.answer("What did Jeremy Wright accuse Russia of?")
    assert answer.citations[0].hit.passage.paragraph == 3
    assert "NotPetya" in answer.text


def test_abstains_on_questions_the_briefing_does_not_cover(seed_answerer: Pipeline) -> None:
    for question, reply in (
        ("Who won the World Cup?", "The briefing does not seem to cover this."),
        ("Qui a gagné la Coupe du monde ?", "Le briefing ne semble pas traiter de cette question."),
        ("How do I bake a chocolate cake?", "The briefing does not seem to cover this."),
    ):
        answer = seed_answerer.answer(question)
        assert not answer.found, question
        assert answer.text.startswith(reply), answer.text
        assert answer.suggestions and all(name in answer.text for name in answer.suggestions)


def test_unknown_model_is_a_clear_error() -> None:
    with pytest.raises(ModelLoadError, match="EMBEDDING_MODEL"):
        SentenceTransformerEmbedder("/nonexistent/model-folder")


def test_cli_build_search_and_ask(seeds_dir: Path, tmp_path: Path) -> None:
    """The acceptance checks of the index and answer issues, through the console scripts."""
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "BRIEFING_SEEDS_DIR": str(seeds_dir),
        "BRIEFING_INDEX_DIR": str(tmp_path / "idx"),
    }
    env.pop("EMBEDDING_MODEL", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        return result

    assert "2 articles, 12 passages" in run(str(bin_dir / "briefing-index"), "build").stdout
    search = run(str(bin_dir / "briefing-index"), "search", "What did Lavrov say?", "--json")
    first = json.loads(search.stdout)["hits"][0]
    assert first["source"] == LAVROV_SOURCE and first["paragraph"] == 6
    assert "did not provide evidence" in first["text"]
    ask = run(str(bin_dir / "briefing-bot"), "ask", "Qu'a dit Lavrov ?", "--json")
    answer = json.loads(ask.stdout)
    assert answer["found"] and answer["citations"][0]["paragraph"] == 6
    assert answer["answer"].startswith("The Russian foreign Minister Sergei Lavrov said")


def test_bench_reads_the_bot_process_peak_memory_and_batches_the_real_model(
    e5: Embedder, seed_index: Path
) -> None:
    from index.quality.measures import measure_throughput
    from index.quality.serving import ask_once

    # Memory this process holds is not counted: the child's own high-water mark is read.
    ballast = np.ones((1200, 1024, 1024), dtype=np.uint8)
    run = ask_once(seed_index, DEFAULT_MODEL, "What did Lavrov say?")
    del ballast
    assert run is not None and 100 < run[1] < 1024
    served = IndexSettings(REPO / "seeds", seed_index, DEFAULT_MODEL)
    figures = measure_throughput(served, e5, ["What did Lavrov say?", "Qui est Pau?"], 10)
    assert figures.mean_batch > 1 and figures.questions == 30
