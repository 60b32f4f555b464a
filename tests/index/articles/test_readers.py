"""The readers on real files of every format, made by ``tests.support.documents``: the text,
title, date, origin, link and PDF page each gives; bad files skipped with a reason while the
rest of the folder is indexed; and a mixed folder built into an index end to end."""

from __future__ import annotations

import datetime
import logging
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from index.articles.chunking import ChunkingParams, chunk_document
from index.articles.ingest import Document, documents_of, ingest
from index.articles.readers.formats import format_of
from index.build import build_index
from index.records import Hit, Passage
from index.store.folder import load_index
from tests.support.documents import (
    FeedEntry,
    atom_bytes,
    docx_bytes,
    eml_bytes,
    html_page,
    image_only_pdf_bytes,
    markdown_note,
    pdf_bytes,
    rss_bytes,
    write_mixed_briefing,
)
from tests.support.fakes import FakeEmbedder

HARBOUR_PAGES = [
    [
        "Harbour pilots end their strike",
        "The pilots of Narvik harbour went back to work at six on Wednesday morning, ending a "
        "strike that had kept ore carriers waiting at anchor in the fjord for four days.",
    ],
    [
        "Under the agreement reached overnight, night shifts will be paid at double the day "
        "rate from 1 May, and no pilot will work more than twelve hours in a row.",
        "The port expects the queue of ships to be cleared by the weekend.",
    ],
    ["The mediator, Kari Holm, said both sides had given ground on the rota."],
]


def _one(documents: list[Document]) -> Document:
    assert len(documents) == 1
    return documents[0]


def _passages(document: Document) -> list[Passage]:
    return [
        Passage(n, document.article.source, s.paragraph, s.start, s.end, "", s.sentences)
        for n, s in enumerate(chunk_document(document, ChunkingParams()))
    ]


def _passage_texts(document: Document) -> list[str]:
    return [document.text[p.start : p.end] for p in _passages(document)]


def _entry(name: str, html: str, day: int = 2) -> FeedEntry:
    return FeedEntry(
        title=f"{name.capitalize()} story",
        link=f"https://wire.example.org/2026/03/{name}",
        id=f"tag:wire.example.org,2026:{name}",
        date=datetime.datetime(2026, 3, day, 9, 0, tzinfo=datetime.UTC),
        html=html,
    )


FERRY = _entry(
    "ferry",
    "<p>The Islay ferry was cancelled for a third day as gales reached 70 knots.</p>"
    "<p>Supermarkets on the island ran short of milk and bread.</p>",
    day=3,
)
BRIDGE = _entry(
    "bridge", "<p>The Kessock bridge reopened to lorries after the bearings were replaced.</p>"
)


def test_pdf_text_metadata_and_the_page_of_a_passage() -> None:
    data = pdf_bytes(HARBOUR_PAGES, title="Narvik pilots' strike over", author="Ofoten Tidende")
    document = _one(documents_of(data, "reports/narvik.pdf"))
    article = document.article
    assert (article.title, article.agency, article.date) == (
        "Narvik pilots' strike over",
        "Ofoten Tidende",
        "2026-01-01",  # the file's creation date: the text gives none
    )
    assert article.language == "en" and article.link is None
    # Lines the layout wrapped are one paragraph again; the heading line is not body.
    paragraphs = [p for page in HARBOUR_PAGES for p in page]
    assert _passage_texts(document) == paragraphs[1:]
    assert len(article.pages) == 3 and article.pages[0] == 0
    for page, paragraph in ((1, paragraphs[1]), (2, paragraphs[2]), (2, paragraphs[3])):
        assert article.page_at(document.text.index(paragraph)) == page
    [rota] = [p for p in _passages(document) if document.text[p.start :].startswith("The medi")]
    hit = Hit(rota, article, 0.5)
    assert hit.page == 3 and hit.as_json()["page"] == 3


def test_pdf_without_a_title_takes_its_heading_line() -> None:
    document = _one(documents_of(pdf_bytes(HARBOUR_PAGES), "narvik.pdf"))
    assert document.article.title == "Harbour pilots end their strike"
    assert document.article.agency is None
    assert document.text[document.body_start :].startswith("The pilots of Narvik harbour")


def test_a_pdf_locked_with_an_owner_password_only_is_read() -> None:
    document = _one(documents_of(pdf_bytes(HARBOUR_PAGES, owner_password_only=True), "a.pdf"))
    assert "double the day rate" in document.text
    assert document.article.page_at(document.text.index("double the day")) == 2


def test_a_pdf_named_txt_is_read_as_a_pdf(tmp_path: Path) -> None:
    (tmp_path / "report.txt").write_bytes(pdf_bytes(HARBOUR_PAGES, title="Pilots"))
    assert format_of("report.txt", (tmp_path / "report.txt").read_bytes()) == "pdf"
    result = ingest(tmp_path)
    assert result.skipped == []
    article = _one(result.documents).article
    assert (article.source, article.title, len(article.pages)) == ("report.txt", "Pilots", 3)


def test_web_page_article_without_menus_and_footer() -> None:
    paragraphs = [
        "Dredging of the <a href='/places/leith'>Leith</a> channel will start on 2 June and "
        "last eleven weeks, the harbour master told the port users' forum on Tuesday.",
        "Ships over 9 metres of draught will have to use the outer berths until August.",
    ]
    page = html_page(
        "Leith channel to be dredged",
        paragraphs,
        url="https://forth-ports.example.com/news/leith-dredging",
        date="2026-02-24",
        author="Iain Ross",
        site="Forth Shipping News",
    )
    document = _one(documents_of(page.encode(), "leith.html"))
    article = document.article
    assert article.title == "Leith channel to be dredged"
    assert article.date == "2026-02-24"
    assert article.agency == "Forth Shipping News"
    assert article.link == "https://forth-ports.example.com/news/leith-dredging"
    # The paragraph with a link in it is one paragraph; nothing of the menu, aside or footer.
    assert _passage_texts(document) == [
        "Dredging of the Leith channel will start on 2 June and last eleven weeks, the harbour "
        "master told the port users' forum on Tuesday.",
        paragraphs[1],
    ]
    for boilerplate in ("Subscribe", "Most read", "Container rates", "Cookie", "reserved"):
        assert boilerplate not in document.text


def test_word_document_title_paragraphs_table_and_properties() -> None:
    data = docx_bytes(
        "Fähre nach Helgoland fällt aus",
        [
            "Die Fähre von Cuxhaven nach Helgoland fährt wegen eines Maschinenschadens bis "
            "Ostern nicht, teilte die Reederei am Dienstag mit.",
            "",
            "Ein Ersatzschiff mit 300 Plätzen fährt ab Büsum.",
        ],
        table_rows=[("Abfahrt", "Hafen"), ("09:30", "Büsum")],
        author="Redaktion Küste",
        date=datetime.date(2026, 3, 10),
    )
    document = _one(documents_of(data, "helgoland.docx"))
    article = document.article
    assert article.title == "Fähre nach Helgoland fällt aus"
    assert (article.date, article.agency, article.language) == (
        "2026-03-10",
        "Redaktion Küste",
        "de",
    )
    assert _passage_texts(document) == [
        "Die Fähre von Cuxhaven nach Helgoland fährt wegen eines Maschinenschadens bis Ostern "
        "nicht, teilte die Reederei am Dienstag mit.",
        "Ein Ersatzschiff mit 300 Plätzen fährt ab Büsum.",
        "Abfahrt | Hafen",
        "09:30 | Büsum",
    ]


def test_plain_email_joins_wrapped_lines_and_drops_quotes_and_signature() -> None:
    first = (
        "The council of Ghent voted on Monday to keep the night trams running until 2 a.m. "
        "on weekends, after a petition from 11,000 residents."
    )
    body = [
        textwrap.fill(first, 60),
        "> Earlier: will the trams stop?\n> Asked by a reader",
        "The trial costs 1.4 million euros a year.\n\n-- \nJan Peeters\n+32 9 000 00 00",
    ]
    sent = datetime.datetime(
        2026, 3, 3, 23, 30, tzinfo=datetime.timezone(-datetime.timedelta(hours=5))
    )
    data = eml_bytes("Night trams stay", "Jan Peeters <jan@stadsnieuws.example.be>", sent, body)
    document = _one(documents_of(data, "trams.eml"))
    article = document.article
    assert (article.title, article.agency, article.date) == (
        "Night trams stay",
        "Jan Peeters",
        "2026-03-03",  # the sender's own day, not UTC's
    )
    assert _passage_texts(document) == [first, "The trial costs 1.4 million euros a year."]


def test_html_newsletter_gives_the_article_not_the_unsubscribe_footer() -> None:
    body = [
        "Le port de Brest accueillera la course des grands voiliers du 10 au 15 juillet, avec "
        "quarante navires attendus.",
        "La ville prévoit des navettes gratuites depuis la gare.",
    ]
    sent = datetime.datetime(2026, 3, 1, 8, tzinfo=datetime.UTC)
    data = eml_bytes(
        "Brest : les grands voiliers en juillet",
        "Ouest Mer <info@om.example.fr>",
        sent,
        body,
        html=True,
    )
    document = _one(documents_of(data, "lettre.eml"))
    assert document.article.title == "Brest : les grands voiliers en juillet"
    assert document.article.language == "fr"
    assert _passage_texts(document) == body
    assert "désabonner" not in document.text and "Voir en ligne" not in document.text


@pytest.mark.parametrize("make", [rss_bytes, atom_bytes], ids=["rss", "atom"])
def test_feed_entries_are_articles_with_their_link_date_and_title(
    make: Callable[[str, list[FeedEntry]], bytes],
) -> None:
    documents = documents_of(make("Highland Wire", [FERRY, BRIDGE]), "wire.xml")
    articles = [d.article for d in documents]
    assert [a.title for a in articles] == ["Ferry story", "Bridge story"]
    assert [a.link for a in articles] == [FERRY.link, BRIDGE.link]
    assert [a.date for a in articles] == ["2026-03-03", "2026-03-02"]
    assert {a.agency for a in articles} == {"Highland Wire"}
    assert all(a.source.startswith("wire.xml#") and a.file == "wire.xml" for a in articles)
    assert len({a.source for a in articles}) == 2
    assert _passage_texts(documents[0]) == [
        "The Islay ferry was cancelled for a third day as gales reached 70 knots.",
        "Supermarkets on the island ran short of milk and bread.",
    ]


def test_feed_entries_keep_their_names_when_a_newer_entry_is_prepended() -> None:
    before = {
        d.article.title: d.article for d in documents_of(rss_bytes("W", [FERRY, BRIDGE]), "w.rss")
    }
    newer = _entry("harbour", "<p>Ullapool harbour opened its new fish market.</p>", day=4)
    after = {
        d.article.title: d.article
        for d in documents_of(rss_bytes("W", [newer, FERRY, BRIDGE]), "w.rss")
    }
    for title in ("Ferry story", "Bridge story"):
        assert after[title].source == before[title].source
        assert after[title].sha256 == before[title].sha256  # its vectors are reused
    assert after["Harbour story"].source not in {a.source for a in before.values()}


def test_a_feed_entry_without_text_is_left_out_and_the_others_kept() -> None:
    empty = _entry("empty", "")
    documents = documents_of(rss_bytes("W", [FERRY, empty, BRIDGE]), "w.rss")
    assert [d.article.title for d in documents] == ["Ferry story", "Bridge story"]


def test_markdown_front_matter_and_body_offsets_into_the_file(tmp_path: Path) -> None:
    paragraphs = [
        "The Bergen fish market will stay open on Sundays from May, the city said.",
        "Stallholders had asked for the change since the cruise season grew.",
    ]
    note = markdown_note(
        "Bergen fish market opens on Sundays",
        "2026-03-09",
        "Bergens Avis",
        "https://avis.example.no/fisketorget",
        paragraphs,
    )
    (tmp_path / "bergen.md").write_text(note, encoding="utf-8")
    document = _one(ingest(tmp_path).documents)
    article = document.article
    assert (article.title, article.date, article.agency, article.link) == (
        "Bergen fish market opens on Sundays",
        "2026-03-09",
        "Bergens Avis",
        "https://avis.example.no/fisketorget",
    )
    file_text = (tmp_path / "bergen.md").read_text(encoding="utf-8")
    assert document.text == file_text
    assert document.body_start == file_text.index(paragraphs[0])
    passages = _passages(document)
    assert [file_text[p.start : p.end] for p in passages] == paragraphs
    for passage in passages:
        for start, end in passage.sentences:
            assert passage.start <= start < end <= passage.end


BROKEN_FILES: list[tuple[str, Callable[[], bytes], str]] = [
    ("locked.pdf", lambda: pdf_bytes(HARBOUR_PAGES, encrypt_user_password="s3cret"), "password"),
    ("scan.pdf", lambda: image_only_pdf_bytes(pages=2), "OCR"),
    ("cut.pdf", lambda: pdf_bytes(HARBOUR_PAGES)[:1500], "not a readable PDF"),
    ("cut.docx", lambda: docx_bytes("T", ["Text."])[:4000], "not a readable Word document"),
    ("notes.docx", lambda: b"Just some notes saved with the wrong name.\n", "not a readable Word"),
    (
        "menu.html",
        lambda: html_page("Menu", []).replace("<h1>Menu</h1>", "").encode(),
        "no article text",
    ),
    (
        "empty.eml",
        lambda: eml_bytes(
            "Nothing", "a@example.org", datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC), []
        ),
        "without a text body",
    ),
    ("empty.rss", lambda: rss_bytes("Quiet Wire", []), "no entries"),
    (
        "catalog.xml",
        lambda: b"<?xml version='1.0'?><catalog><book id='1'><title>Tides</title></book></catalog>",
        "not an RSS or Atom feed",
    ),
    ("blank.rss", lambda: rss_bytes("W", [_entry("empty", "")]), "none of its 1 entries"),
    ("photo.jpg", lambda: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64), "(.jpg)"),
    ("old.doc", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "(.doc)"),
]


@pytest.mark.parametrize(
    ("name", "make", "reason"), BROKEN_FILES, ids=[name for name, _, _ in BROKEN_FILES]
)
def test_a_bad_file_is_skipped_with_its_reason_and_the_folder_still_indexed(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    name: str,
    make: Callable[[], bytes],
    reason: str,
) -> None:
    (tmp_path / name).write_bytes(make())
    (tmp_path / "good.md").write_text("Good news\n\nThe ferry sails again.\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="index.ingest"):
        result = ingest(tmp_path)
    assert [d.article.source for d in result.documents] == ["good.md"]
    [skipped] = result.skipped
    assert skipped.source == name
    assert reason in skipped.reason
    assert f"skipped {name}: {skipped.reason}" in caplog.messages


def test_a_password_locked_pdf_says_so_rather_than_damaged() -> None:
    [(_, make, _)] = [case for case in BROKEN_FILES if case[0] == "locked.pdf"]
    with pytest.raises(ValueError, match=r"^encrypted with a password: save an unlocked copy"):
        documents_of(make(), "locked.pdf")


def test_mixed_briefing_builds_into_one_index(tmp_path: Path) -> None:
    seeds, index_dir = tmp_path / "seeds", tmp_path / "index"
    expected = write_mixed_briefing(seeds)
    report = build_index(seeds, index_dir, FakeEmbedder())
    assert report.skipped == []
    index = load_index(index_dir)
    assert index.manifest.skipped == {}
    assert sorted({a.file for a in index.articles.values()}) == sorted(
        path.name for path in seeds.iterdir()
    )
    assert len(index.articles) == 8  # the feed's three entries are three articles
    for question, answer in expected.items():
        [passage] = [p for p in index.passages if answer.fact in p.text]
        article = index.articles[passage.source]
        hit = Hit(passage, article, 1.0)
        found = (article.file, article.title, article.language, article.link, hit.page)
        wanted = (answer.file, answer.title, answer.language, answer.link, answer.page)
        assert found == wanted, question
