from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from index import cli
from tests.conftest import LAVROV_SOURCE
from tests.support.cli_help import help_texts


def test_build_prints_a_summary(fake_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["build"]) == 0
    out = capsys.readouterr().out
    assert "2 articles, 12 passages" in out and "passages/s" in out
    assert cli.main(["build"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_search_json_lines_from_stdin(
    fake_env: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    seeds_dir: Path,
) -> None:
    cli.main(["build"])
    capsys.readouterr()
    monkeypatch.setattr(
        "sys.stdin", __import__("io").StringIO("Zakharova rejects accusations\n\nBoris Johnson\n")
    )
    assert cli.main(["search", "--json", "--k", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["question"] == "Zakharova rejects accusations"
    assert len(first["hits"]) == 2
    hit = first["hits"][0]
    assert set(hit) == {
        *("source", "title", "date", "paragraph", "start", "end", "score", "text"),
        *("page", "link"),  # of PDFs, of feed entries and web pages: None here
    }
    assert hit["source"] == LAVROV_SOURCE and "Zakharova" in hit["text"]
    as_read = (seeds_dir / hit["source"]).read_text(encoding="utf-8")
    assert as_read[hit["start"] : hit["end"]] == hit["text"]
    assert json.loads(lines[1])["hits"][0]["source"] == "001_f51ee47ec4ee7eba.txt"


def test_search_text_output(fake_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["build"])
    capsys.readouterr()
    assert cli.main(["search", "Boris Johnson", "--k", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Q: Boris Johnson")
    assert "2018-05-26 · paragraph 2 · 001_f51ee47ec4ee7eba.txt" in out


def test_lexical_search_that_finds_nothing_says_why_on_stderr(
    fake_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main(["build"])
    capsys.readouterr()
    german = "Wer verhandelt über Sanktionen?"  # the seeds are in English and French
    assert cli.main(["search", "--mode", "lexical", german]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"Q: {german}\n\n"
    assert captured.err == (
        f'briefing-index: no passage shares a word with "{german}": lexical search matches '
        "words, not meaning: try --mode hybrid\n"
    )
    assert cli.main(["search", "--mode", "lexical", "--json", german]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"question": german, "hits": []}
    assert "no passage shares a word" in captured.err
    assert cli.main(["search", "--mode", "lexical", "Zakharova"]) == 0
    assert capsys.readouterr().err == ""


def test_info_readable_and_json(fake_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["build"])
    capsys.readouterr()
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert "fake-hashing-256 (256 dimensions)" in out and "2 articles, 12 passages" in out
    assert "[fr, 2018-05-26, 5 passages]" in out
    assert cli.main(["info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["passages"] == 12


def test_search_refuses_an_index_of_another_model(
    fake_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.main(["build"])
    monkeypatch.setenv("EMBEDDING_MODEL", "another-model")
    assert cli.main(["search", "Lavrov"]) == 1
    err = capsys.readouterr().err
    assert "built with model 'fake-hashing-256'" in err and "briefing-index build --full" in err


def test_bad_log_level_names_the_variable(
    fake_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    assert cli.main(["info"]) == 1
    assert "LOG_LEVEL='LOUD'" in capsys.readouterr().err


def _run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("briefing-index")
    return subprocess.run(
        [str(script), *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("search", "Lavrov"), "no index at"),
        (("info",), "no index at"),
        (("build", "--seeds", "missing-folder"), "seeds folder missing-folder does not exist"),
        (("build", "--seeds", "README.md"), "README.md is a file, not a folder"),
        (("build",), "README.md is a file, not a folder"),  # BRIEFING_SEEDS_DIR=README.md
    ],
)
def test_expected_failures_are_one_line_without_traceback(
    tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    (tmp_path / "README.md").write_text("# A file\n", encoding="utf-8")
    result = _run(
        *args,
        cwd=tmp_path,
        BRIEFING_INDEX_DIR=str(tmp_path / "idx"),
        BRIEFING_SEEDS_DIR="README.md",
    )
    assert result.returncode == 1
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_eval_question_set_json(
    fake_env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cli.main(["build"])
    questions = tmp_path / "set.jsonl"
    questions.write_text(
        json.dumps(
            {"question": "Zakharova rejects", "gold": [{"source": LAVROV_SOURCE, "paragraph": 6}]}
        )
        + "\n"
        + json.dumps({"question": "chocolate cake recipe", "gold": []})
        + "\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert cli.main(["eval", str(questions), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["scores"]) == {"dense", "lexical", "hybrid", "answer"}
    assert report["scores"]["lexical"]["recall@1"] == pytest.approx(1.0)
    assert report["abstention"]["answerable"] == 1 and report["abstention"]["unanswerable"] == 1


def test_eval_xquad_table(
    fake_env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = Path(__file__).resolve().parents[1] / "data" / "xquad-mini"
    args = [
        "eval",
        "xquad",
        "--data",
        str(data),
        "--work",
        str(tmp_path / "work"),
        "--modes",
        "dense,hybrid",
    ]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("XQuAD-R en → de,ru, model fake-hashing-256")
    assert [line.split()[0] for line in out.splitlines()[2:]] == ["dense", "hybrid"]
    assert cli.main([*args[:-1], "dense,fuzzy"]) == 1
    assert "--modes takes" in capsys.readouterr().err


def test_help_texts_are_plain_text() -> None:
    texts = help_texts(cli.main)
    assert set(texts) == {"", "build", "info", "search", "eval", "bench", "feedback", "model"}
    for name, text in texts.items():
        assert "`" not in text, f"briefing-index {name} --help:\n{text}"
    assert "briefing-index: build, inspect and search the briefing index." in texts[""]
