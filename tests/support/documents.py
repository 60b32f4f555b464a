"""Real files of every format the briefing reads, made from given text for the reader tests.

Nothing binary is shipped: each function writes the file with the library people's own tools
use (fpdf2 and pypdf for PDF, python-docx for Word, the standard library for e-mail) or as
literal markup (feeds, web pages, Markdown). ``write_mixed_briefing`` writes a folder with one
file of each, of invented news, and says which file and page answers each of its questions.
"""

from __future__ import annotations

import datetime
import email.utils
import io
from dataclasses import dataclass
from email.message import EmailMessage
from html import escape
from pathlib import Path

import docx
import fpdf
import pypdf
from pypdf.constants import UserAccessPermissions


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry of a made-up feed; ``html`` is its content as HTML (may be empty)."""

    title: str
    link: str
    id: str
    date: datetime.datetime
    html: str


@dataclass(frozen=True, slots=True)
class Expected:
    """Where the answer to a question of the mixed briefing is.

    Attributes:
        file: The file under the seeds folder (a feed's, for one of its entries).
        title: The article's title (for an e-mail, its subject).
        fact: Words of the passage that answers the question, as the reader extracts them.
        language: The article's language.
        page: The PDF page the fact is on, None for other formats.
        link: The article's address online, where the file gives one.
    """

    file: str
    title: str
    fact: str
    language: str
    page: int | None = None
    link: str | None = None


def pdf_bytes(
    pages: list[list[str]],
    title: str | None = None,
    author: str | None = None,
    encrypt_user_password: str | None = None,
    owner_password_only: bool = False,
    date: datetime.date = datetime.date(2026, 1, 1),
) -> bytes:
    """A PDF with one page per item of ``pages``, each a list of paragraphs, in Helvetica,
    created on ``date`` (fpdf2 cannot leave the date out, and the default of now would vary).

    The core fonts are Latin-1 only: fpdf2 refuses other characters (no Greek or Cyrillic).
    ``encrypt_user_password`` locks the file with that password; ``owner_password_only``
    locks it with an owner password only (printing and copying restricted), which any viewer
    opens without asking.
    """
    document = fpdf.FPDF(format="A4")
    document.set_creation_date(datetime.datetime.combine(date, datetime.time(9), datetime.UTC))
    if title is not None:
        document.set_title(title)
    if author is not None:
        document.set_author(author)
    for paragraphs in pages:
        document.add_page()
        document.set_font("Helvetica", size=11)
        for paragraph in paragraphs:
            document.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
            document.ln(4)
    data = bytes(document.output())
    if encrypt_user_password is None and not owner_password_only:
        return data
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    writer.encrypt(
        user_password=encrypt_user_password or "",
        owner_password="owner-secret",
        algorithm="AES-256",
        permissions_flag=UserAccessPermissions(0),  # no printing, no copying
    )
    locked = io.BytesIO()
    writer.write(locked)
    return locked.getvalue()


def image_only_pdf_bytes(pages: int = 1) -> bytes:
    """A PDF whose pages hold a filled rectangle and no text, as a scan looks to a reader."""
    document = fpdf.FPDF(format="A4")
    for _ in range(pages):
        document.add_page()
        document.set_fill_color(90, 90, 90)
        document.rect(20, 20, 170, 120, style="F")
    return bytes(document.output())


def docx_bytes(
    title: str | None,
    paragraphs: list[str],
    table_rows: list[tuple[str, ...]] | None = None,
    author: str | None = None,
    date: datetime.date | None = None,
) -> bytes:
    """A Word document: ``title`` in the Title style, the paragraphs, then a table of rows.

    Without ``date`` the document has no creation date (python-docx's template says 2013).
    """
    document = docx.Document()
    if title is not None:
        document.add_paragraph(title, style="Title")
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table_rows:
        table = document.add_table(rows=0, cols=len(table_rows[0]))
        for row in table_rows:
            for cell, value in zip(table.add_row().cells, row, strict=True):
                cell.text = value
    properties = document.core_properties
    properties.author = author or ""
    if date is not None:
        properties.created = datetime.datetime.combine(date, datetime.time(8))
    else:
        created = properties._element.find("{http://purl.org/dc/terms/}created")
        properties._element.remove(created)
    saved = io.BytesIO()
    document.save(saved)
    return saved.getvalue()


def eml_bytes(
    subject: str | None,
    sender: str,
    date: datetime.datetime,
    body: list[str],
    html: bool = False,
) -> bytes:
    """An e-mail as a mail program saves it: plain text paragraphs, or (``html``) only an HTML
    part laid out as newsletters are, in a table: a "view online" link, the subject as a
    heading and the paragraphs, an unsubscribe footer."""
    message = EmailMessage()
    if subject is not None:
        message["Subject"] = subject
    message["From"] = sender
    message["To"] = "readers@example.org"
    message["Date"] = email.utils.format_datetime(date)
    if html:
        message.set_content(_newsletter(subject or "", body), subtype="html")
    elif body:
        message.set_content("\n\n".join(body))
    return message.as_bytes()


def _newsletter(subject: str, body: list[str]) -> str:
    paragraphs = "".join(f"<p>{escape(paragraph)}</p>" for paragraph in body)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{escape(subject)}</title></head><body>"
        "<table width='600'><tr><td><a href='https://lettre.example.fr/'>Voir en ligne</a>"
        f"</td></tr><tr><td><h1>{escape(subject)}</h1>{paragraphs}</td></tr>"
        "<tr><td><footer><p>Vous recevez cette lettre car vous y êtes abonné. "
        "<a href='https://lettre.example.fr/desabonnement'>Se désabonner</a></p></footer>"
        "</td></tr></table></body></html>"
    )


def rss_bytes(channel_title: str, entries: list[FeedEntry]) -> bytes:
    """An RSS 2.0 feed; each entry's HTML is its escaped ``<description>``."""
    items = "".join(
        f"""
    <item>
      <title>{escape(entry.title)}</title>
      <link>{escape(entry.link)}</link>
      <guid isPermaLink="false">{escape(entry.id)}</guid>
      <pubDate>{email.utils.format_datetime(entry.date)}</pubDate>
      <description>{escape(entry.html)}</description>
    </item>"""
        for entry in entries
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
  <channel>
    <title>{escape(channel_title)}</title>
    <link>https://wire.example.org/</link>
    <description>News from the coast</description>{items}
  </channel>
</rss>
""".encode()


def atom_bytes(feed_title: str, entries: list[FeedEntry]) -> bytes:
    """An Atom feed; each entry's HTML is its ``<content type="html">``."""
    items = "".join(
        f"""
  <entry>
    <title>{escape(entry.title)}</title>
    <link rel="alternate" href="{escape(entry.link)}"/>
    <id>{escape(entry.id)}</id>
    <published>{entry.date.isoformat()}</published>
    <updated>{entry.date.isoformat()}</updated>
    <content type="html">{escape(entry.html)}</content>
  </entry>"""
        for entry in entries
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>{escape(feed_title)}</title>
  <id>urn:example:feed</id>
  <updated>2026-03-06T12:00:00Z</updated>{items}
</feed>
""".encode()


def html_page(
    title: str,
    paragraphs: list[str],
    url: str | None = None,
    date: str | None = None,
    author: str | None = None,
    site: str | None = None,
) -> str:
    """A saved news page: a menu of links, the ``<article>`` (headline and paragraphs, which
    may hold inline HTML such as links), related links and a footer around it."""
    head = [
        '<meta charset="utf-8">',
        f"<title>{escape(title)} | {escape(site or 'The Monitor')}</title>",
    ]
    if url is not None:
        head.append(f'<link rel="canonical" href="{escape(url)}">')
    if date is not None:
        head.append(f'<meta property="article:published_time" content="{escape(date)}">')
    if author is not None:
        head.append(f'<meta name="author" content="{escape(author)}">')
    if site is not None:
        head.append(f'<meta property="og:site_name" content="{escape(site)}">')
    menu = "".join(
        f'<li><a href="/{name.lower()}/">{name}</a></li>'
        for name in ("Home", "Energy", "Shipping", "Climate", "Opinion", "Subscribe")
    )
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>{"".join(head)}</head>
<body>
<header><nav class="menu"><ul>{menu}</ul></nav></header>
<main>
<article><h1>{escape(title)}</h1>{body}</article>
<aside><h2>Most read</h2><ul>
<li><a href="/shipping/container-rates">Container rates fall for a third week</a></li>
<li><a href="/climate/ice-report">Arctic sea ice report: February</a></li>
</ul></aside>
</main>
<footer><p>&copy; 2026 {escape(site or "The Monitor")}. All rights reserved.</p>
<p><a href="/privacy">Privacy</a> &middot; <a href="/cookies">Cookie settings</a></p></footer>
</body>
</html>
"""


def markdown_note(title: str, date: str, source: str, link: str, paragraphs: list[str]) -> str:
    """A Markdown note with YAML front matter, as note apps and static sites write it."""
    front = f'---\ntitle: "{title}"\ndate: {date}\nsource: {source}\nlink: {link}\n---\n\n'
    return front + "\n\n".join(paragraphs) + "\n"


# The mixed briefing: invented news, one file of each format.

HARBOUR_REOPENS = (
    "The harbour of Tromsø will reopen to cargo ships on 14 April 2026, the port authority "
    "said on Monday, two weeks earlier than planned after the new quay sections arrived ahead "
    "of schedule from the yard in Mo i Rana."
)
HARBOUR_COST = "The repairs will cost 212 million kroner, of which the state pays 60 per cent."
WIND_TURBINES = "The Skerrow Bank offshore wind farm will have 84 turbines of 15 megawatts each"
STRIKE_LENGTH = "Der Streik beginnt am Montag um 2 Uhr und soll 48 Stunden dauern"
SOLE_QUOTA = "Le quota de sole du golfe de Gascogne est réduit de 18 % pour 2026"
FERRY_RETURNS = "returns to the Oban to Barra crossing on 20 March"
KELP_HARVEST = "harvested 310 tonnes of kelp this winter"
NIGHT_TRAMS = "will keep running until 2 a.m. on Friday and Saturday nights"


def write_mixed_briefing(folder: Path) -> dict[str, Expected]:
    """Writes one file of every format into ``folder``: a 3-page PDF report, a saved web page,
    a Word document (German), an HTML e-mail newsletter (French), an RSS feed of three entries
    and a Markdown note; returns each question they answer and where its answer is."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tromso-harbour-report.pdf").write_bytes(_harbour_report())
    (folder / "skerrow-bank-wind-farm.html").write_text(_wind_farm_page(), encoding="utf-8")
    (folder / "bahnstreik-bayern.docx").write_bytes(_rail_strike())
    (folder / "lettre-du-littoral.eml").write_bytes(_fishing_newsletter())
    (folder / "coastal-wire.rss").write_bytes(rss_bytes("Coastal Wire", _coastal_entries()))
    (folder / "ghent-night-trams.md").write_text(_night_trams(), encoding="utf-8")
    return {
        "When will the harbour of Tromsø reopen?": Expected(
            "tromso-harbour-report.pdf", _HARBOUR_TITLE, HARBOUR_REOPENS, "en", page=2
        ),
        "How much will the repairs of the Tromsø quay cost?": Expected(
            "tromso-harbour-report.pdf", _HARBOUR_TITLE, HARBOUR_COST, "en", page=3
        ),
        "How many turbines will the Skerrow Bank wind farm have?": Expected(
            "skerrow-bank-wind-farm.html", _WIND_TITLE, WIND_TURBINES, "en", link=_WIND_URL
        ),
        "How long will the rail strike in Bavaria last?": Expected(
            "bahnstreik-bayern.docx", _STRIKE_TITLE, STRIKE_LENGTH, "de"
        ),
        "By how much is the sole quota in the Bay of Biscay cut?": Expected(
            "lettre-du-littoral.eml", _SOLE_SUBJECT, SOLE_QUOTA, "fr"
        ),
        "When does the Oban to Barra ferry return?": Expected(
            "coastal-wire.rss", _FERRY_TITLE, FERRY_RETURNS, "en", link=_FERRY_URL
        ),
        "How much kelp was harvested in Galway Bay this winter?": Expected(
            "coastal-wire.rss", _KELP_TITLE, KELP_HARVEST, "en", link=_KELP_URL
        ),
        "Until what time will Ghent's night trams run?": Expected(
            "ghent-night-trams.md", _TRAMS_TITLE, NIGHT_TRAMS, "en", link=_TRAMS_URL
        ),
    }


_HARBOUR_TITLE = "Prostneset quay: storm damage and repair status"
_WIND_TITLE = "Skerrow Bank wind farm cut to 84 turbines"
_WIND_URL = "https://energy-monitor.example.com/2026/03/skerrow-bank-84-turbines"
_STRIKE_TITLE = "Lokführer legen Regionalverkehr in Bayern lahm"
_SOLE_SUBJECT = "Pêche : le quota de sole du golfe de Gascogne réduit de 18 %"
_FERRY_TITLE = "Barra ferry back on 20 March"
_FERRY_URL = "https://wire.example.org/2026/03/barra-ferry-returns"
_KELP_TITLE = "Galway Bay kelp harvest triples"
_KELP_URL = "https://wire.example.org/2026/03/galway-kelp-harvest"
_TRAMS_TITLE = "Ghent keeps its night trams"
_TRAMS_URL = "https://stadsnieuws.example.be/2026/03/ghent-night-trams"


def _harbour_report() -> bytes:
    return pdf_bytes(
        [
            [
                "Port of Tromsø - status report, March 2026",
                "The storm of 9 February tore away 140 metres of the deep-water quay at "
                "Prostneset and sank two of the harbour's service pontoons. Divers from the "
                "Norwegian Coastal Administration spent eleven days surveying the piles before "
                "any repair could begin.",
                "Since then cargo has been diverted to Skjervøy and Finnsnes, which adds a day "
                "to most deliveries to the city's shops and to the hospital.",
            ],
            [
                HARBOUR_REOPENS,
                "Cruise ships will call again from 2 May. The fish landing at the northern "
                "basin was never closed and has worked normally throughout.",
            ],
            [
                HARBOUR_COST,
                "The municipality will take a loan for its share, to be repaid over twenty "
                "years from quay fees.",
            ],
        ],
        title=_HARBOUR_TITLE,
        author="Port of Tromsø",
        date=datetime.date(2026, 3, 2),
    )


def _wind_farm_page() -> str:
    return html_page(
        _WIND_TITLE,
        [
            f"{WIND_TURBINES}, its developer <a href='/companies/harlow'>Harlow Renewables</a> "
            "confirmed on Thursday, after the planning inspectorate approved a smaller layout "
            "than the 96 turbines first proposed.",
            "Construction of the foundations starts in May 2027 from the port of "
            "<a href='/places/grimsby'>Grimsby</a>, and first power is expected in the winter "
            "of 2029. At full output the farm would supply about 1.1 million homes.",
            "Fishermen's groups, who had objected to the southern array, welcomed the reduction "
            "but said the cable routes still cut across prime crab grounds.",
        ],
        url=_WIND_URL,
        date="2026-03-05",
        author="Ruth Calder",
        site="North Sea Energy Monitor",
    )


def _rail_strike() -> bytes:
    return docx_bytes(
        _STRIKE_TITLE,
        [
            "Die Gewerkschaft Schiene Süd hat ihre Mitglieder in Bayern zu einem Warnstreik "
            f"im Regionalverkehr aufgerufen. {STRIKE_LENGTH}, teilte die Gewerkschaft am "
            "Freitag in München mit.",
            "Betroffen sind vor allem die Regionalzüge rund um Nürnberg und Augsburg. Die "
            "S-Bahn München soll nach Angaben des Betreibers mit einem Notfahrplan fahren.",
            "Die Gewerkschaft fordert 7,5 Prozent mehr Lohn und eine kürzere Wochenarbeitszeit "
            "für Schichtdienste.",
        ],
        table_rows=[("Netz", "Ausfall"), ("Nürnberg", "etwa 80 %"), ("Augsburg", "etwa 60 %")],
        author="Redaktion Bayern",
        date=datetime.date(2026, 3, 6),
    )


def _fishing_newsletter() -> bytes:
    paris = datetime.timezone(datetime.timedelta(hours=1))
    return eml_bytes(
        _SOLE_SUBJECT,
        "La Lettre du Littoral <lettre@littoral.example.fr>",
        datetime.datetime(2026, 3, 4, 7, 30, tzinfo=paris),
        [
            f"{SOLE_QUOTA}, a annoncé mardi la Commission européenne, qui suit l'avis des "
            "scientifiques selon lesquels le stock reste sous son seuil de précaution depuis "
            "trois ans.",
            "Les armateurs de La Rochelle et des Sables-d'Olonne demandent des aides pour "
            "l'arrêt temporaire de leurs chalutiers pendant l'hiver.",
            "Le comité régional des pêches se réunira le 12 mars pour répartir le quota entre "
            "les organisations de producteurs.",
        ],
        html=True,
    )


def _coastal_entries() -> list[FeedEntry]:
    return [
        FeedEntry(
            _FERRY_TITLE,
            _FERRY_URL,
            "tag:wire.example.org,2026:barra-ferry",
            datetime.datetime(2026, 3, 6, 9, 15, tzinfo=datetime.UTC),
            f"<p>The ferry MV Clansman's Pride {FERRY_RETURNS} after a six-week refit in "
            "Greenock, its operator said.</p><p>Islanders had relied on a smaller relief boat "
            "that could not carry lorries.</p>",
        ),
        FeedEntry(
            _KELP_TITLE,
            _KELP_URL,
            "tag:wire.example.org,2026:galway-kelp",
            datetime.datetime(2026, 3, 5, 17, 0, tzinfo=datetime.UTC),
            f"<p>Seaweed growers in Galway Bay {KELP_HARVEST}, three times last year's "
            "crop, as four new lines came into use.</p>",
        ),
        FeedEntry(
            "Hook Head lighthouse to open a museum",
            "https://wire.example.org/2026/03/hook-head-museum",
            "tag:wire.example.org,2026:hook-head",
            datetime.datetime(2026, 3, 4, 12, 0, tzinfo=datetime.UTC),
            "<p>The keepers' houses at Hook Head will become a museum of lighthouse life, "
            "opening in June with the original lens on show.</p>",
        ),
    ]


def _night_trams() -> str:
    return markdown_note(
        _TRAMS_TITLE,
        "2026-03-03",
        "Stadsnieuws Gent",
        _TRAMS_URL,
        [
            f"Ghent's two night tram lines {NIGHT_TRAMS}, the city council decided on Monday, "
            "after a petition from 11,000 residents and bar owners.",
            "The trial, which began last autumn, carried an average of 1,900 passengers a "
            "night. The city pays 1.4 million euros a year towards it.",
        ],
    )


def main(argv: list[str]) -> None:
    """``python -m tests.support.documents FOLDER``: writes the mixed briefing into FOLDER (the
    README's example, docs/examples/formats)."""
    if len(argv) != 1:
        raise SystemExit("usage: python -m tests.support.documents FOLDER")
    for question, expected in write_mixed_briefing(Path(argv[0])).items():
        print(f"{expected.file}: {question}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
