from __future__ import annotations

import logging
from pathlib import Path

import pytest

from index.articles.ingest import find_article_files, ingest
from index.errors import SeedsError
from tests.support.paths import SEEDS


def test_seed_articles_metadata() -> None:
    documents = {d.article.source: d.article for d in ingest(SEEDS).documents}
    english = documents["000_b99bc40499301570.txt"]
    assert english.title == "Moscow has invited Berlin to consult on cyber security"
    assert english.language == "en"
    assert english.date is None
    assert english.agency is None
    french = documents["001_f51ee47ec4ee7eba.txt"]
    assert french.language == "fr"
    # "date 2018-05" marker plus the "LONDRES, le 26 mai" dateline.
    assert french.date == "2018-05-26"
    assert french.agency == "TASS"
    assert french.title.startswith("L’ambassade de Russie au royaume-Uni a déclaré")
    assert "LONDRES" not in french.title and len(french.title) <= 91


def test_title_line_and_marker_are_not_body() -> None:
    documents = {d.article.source: d for d in ingest(SEEDS).documents}
    english = documents["000_b99bc40499301570.txt"]
    assert english.text[english.body_start :].startswith("Moscow offers to Berlin")
    french = documents["001_f51ee47ec4ee7eba.txt"]
    assert french.text[french.body_start :].startswith("LONDRES, le 26 mai.")


def test_reads_recursively_txt_and_md_only(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "deep.md").write_text(
        "# Deep title\n\nSome text here.\n", encoding="utf-8"
    )
    (tmp_path / "top.txt").write_text("Short title\n\nBody text.\n", encoding="utf-8")
    (tmp_path / "notes.csv").write_text("a,b\n", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("Hidden\n\nNot an article.\n", encoding="utf-8")
    sources = [d.article.source for d in ingest(tmp_path).documents]
    assert sources == ["a/b/deep.md", "top.txt"]
    deep = ingest(tmp_path).documents[0].article
    assert deep.title == "Deep title"


def test_bad_files_are_skipped_with_a_warning_naming_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "good.txt").write_text("A title\n\nThe minister said things.\n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("Le ministre a déclaré".encode("latin-1"))
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.md").write_text(" \n\n\t\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        result = ingest(tmp_path)
    assert [d.article.source for d in result.documents] == ["good.txt"]
    assert {s.source for s in result.skipped} == {"latin1.txt", "empty.txt", "blank.md"}
    warnings = "\n".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    for name in ("latin1.txt", "empty.txt", "blank.md"):
        assert name in warnings
    assert "not UTF-8" in warnings


def test_bom_and_crlf_are_tolerated(tmp_path: Path) -> None:
    (tmp_path / "win.txt").write_bytes("\ufeffWindows title\r\n\r\nFirst paragraph.\r\n".encode())
    document = ingest(tmp_path).documents[0]
    assert document.article.title == "Windows title"
    assert document.text == (tmp_path / "win.txt").read_text(encoding="utf-8")
    assert "\r" not in document.text


def test_title_from_first_sentence_when_no_title_line(tmp_path: Path) -> None:
    long_line = "The committee met on Tuesday to discuss a very long list of issues that " * 3
    (tmp_path / "a.txt").write_text(long_line + "\n\nSecond paragraph.\n", encoding="utf-8")
    title = ingest(tmp_path).documents[0].article.title
    assert title.startswith("The committee met on Tuesday")
    assert title.endswith("…") and len(title) <= 91


def test_english_dateline_and_agency(tmp_path: Path) -> None:
    text = "LONDON, May 26 (Reuters) - The embassy said talks were possible.\n\nMore.\n"
    (tmp_path / "a.txt").write_text("date 2019-05\n" + text, encoding="utf-8")
    article = ingest(tmp_path).documents[0].article
    assert article.date == "2019-05-26"
    assert article.agency == "Reuters"
    assert article.title == "The embassy said talks were possible"


def test_dateline_without_marker_gives_a_date_without_year(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        "MOSCOU, le 3 juin. /TASS/. Le ministre a parlé.\n", encoding="utf-8"
    )
    article = ingest(tmp_path).documents[0].article
    assert article.date == "--06-03"
    assert article.agency == "TASS"


@pytest.mark.parametrize(
    "line",
    [
        "12 March 2026",
        "2026-03-12",
        "March 12, 2026",
        "Mar. 12, 2026",
        "12 mars 2026",
        "Le 12 mars 2026",
        "jeudi 12 mars 2026",
        "Thursday, 12 March 2026",
        "12. März 2026",
        "12 марта 2026 года",
        "12 de marzo de 2026",
    ],
)
def test_a_date_line_under_the_title_is_the_articles_date(tmp_path: Path, line: str) -> None:
    (tmp_path / "a.txt").write_text(
        f"Talks in Berlin\n{line}\n\nThe minister said the talks would resume.\n", "utf-8"
    )
    document = ingest(tmp_path).documents[0]
    assert (document.article.title, document.article.date) == ("Talks in Berlin", "2026-03-12")
    body = document.text[document.body_start :]
    assert body == "The minister said the talks would resume.\n"  # the line is no passage


def test_a_date_line_above_the_title_or_without_one_is_the_date_not_the_title(
    tmp_path: Path,
) -> None:
    (tmp_path / "above.txt").write_text(
        "2026-03-12\nTalks in Berlin\n\nThe talks resumed.\n", "utf-8"
    )
    (tmp_path / "alone.txt").write_text(
        "12 March 2026\n\nThe minister said the talks resumed.\n", "utf-8"
    )
    above, alone = (d.article for d in ingest(tmp_path).documents)
    assert (above.title, above.date) == ("Talks in Berlin", "2026-03-12")
    assert (alone.title, alone.date) == ("The minister said the talks resumed", "2026-03-12")


def test_a_date_marker_wins_over_a_date_line_and_other_lines_are_no_date(tmp_path: Path) -> None:
    (tmp_path / "marked.txt").write_text(
        "date 2018-05-26\nTalks\n12 March 2026\n\nText.\n", "utf-8"
    )
    (tmp_path / "no-date.txt").write_text("Talks\n31 February 2026\n\nText.\n", "utf-8")
    (tmp_path / "words.txt").write_text("Talks\nMarch 12, 2026 was a Thursday\n\nText.\n", "utf-8")
    marked, no_date, words = (d.article for d in ingest(tmp_path).documents)
    assert marked.date == "2018-05-26"
    assert no_date.date is None and words.date is None


def test_missing_seeds_folder_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SeedsError, match="BRIEFING_SEEDS_DIR"):
        find_article_files(tmp_path / "nope")


def test_a_file_given_as_seeds_folder_is_called_a_file(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Not a folder\n", encoding="utf-8")
    with pytest.raises(SeedsError, match="is a file, not a folder") as raised:
        find_article_files(readme)
    assert "does not exist" not in str(raised.value)
    assert "BRIEFING_SEEDS_DIR" in str(raised.value)


def test_agency_in_a_dateline_without_date(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("BERLIN (AFP) - Officials met on Monday.\n", encoding="utf-8")
    article = ingest(tmp_path).documents[0].article
    assert article.agency == "AFP"
    assert article.title == "Officials met on Monday"
