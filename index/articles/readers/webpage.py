"""Saved web pages (``.html``, ``.htm``): the article's text, not the menus and footers.

trafilatura finds the article among the page's boilerplate and reads its title, date, author,
site and address from the markup (``<meta>``, JSON-LD, ``<link rel="canonical">``).
``fragment_text`` serves the HTML that is not a whole page: a feed entry's content, an
e-mail's body.
"""

from __future__ import annotations

import logging

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import Document as Page

from index.articles.readers.base import (
    Extracted,
    Unreadable,
    digest_of,
    iso_date,
    short_title,
    tidy_paragraphs,
)

# Elements that end a paragraph when HTML becomes text.
_BLOCKS = (
    "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "table",
    "section", "article", "header", "footer", "ul", "ol", "dd", "dt", "figcaption",
)  # fmt: skip

# trafilatura and htmldate log at WARNING what is routine for a saved page (no date found).
for _name in ("trafilatura", "htmldate"):
    logging.getLogger(_name).setLevel(logging.ERROR)


def read(data: bytes) -> list[Extracted]:
    """The article of a web page.

    Raises:
        Unreadable: No article text in the page (a page of links, a login form).
    """
    page = page_text(data)
    if page is None:
        raise Unreadable(
            "no article text found in the page (a page of links, a login or cookie wall?)"
        )
    return [page]


def page_text(
    data: bytes | str, digest: str | None = None, tables: bool = True
) -> Extracted | None:
    """The article of a whole HTML page with its metadata, or None when it has none.

    ``tables=False`` for HTML laid out in tables (e-mail): trafilatura would give each layout
    cell as a table row, the whole article again in one line beside the menus and footers.
    """
    try:
        found = trafilatura.bare_extraction(
            data, with_metadata=True, include_comments=False, include_tables=tables
        )
    except (ValueError, etree.LxmlError):
        return None
    if not isinstance(found, Page) or not (found.text or "").strip():
        return None
    title = short_title(found.title)
    lines = (found.text or "").split("\n")
    if title is not None and lines and short_title(lines[0]) == title:
        lines = lines[1:]  # the headline, which trafilatura also gives as the text's first line
    text = tidy_paragraphs(lines)
    if not text or _is_only_links(data, text):
        return None
    raw = data.encode() if isinstance(data, str) else data
    return Extracted(
        text=text,
        body_start=0,
        digest=digest or digest_of(raw),
        title=title,
        date=iso_date(found.date),
        origin=short_title(found.sitename) or short_title(found.author),
        link=found.url or None,
    )


def _is_only_links(data: bytes | str, text: str) -> bool:
    """True when every paragraph of ``text`` is the text of one of the page's links: what
    trafilatura's fallback finds in a page of menus without an article."""
    try:
        tree = lxml.html.fromstring(data)
    except (ValueError, etree.LxmlError):
        return False
    links = {" ".join(link.text_content().split()) for link in tree.iter("a")}
    return all(paragraph in links for paragraph in text.split("\n\n"))


def fragment_text(markup: str) -> str:
    """The text of a piece of HTML, a paragraph per block element; scripts and styles left out."""
    try:
        tree = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (ValueError, etree.LxmlError):
        return tidy_paragraphs([markup])
    for element in tree.xpath("//script|//style|//noscript"):
        element.drop_tree()
    for element in tree.iter("br"):
        element.tail = "\n" + (element.tail or "")
    for element in tree.iter(*_BLOCKS):
        element.tail = "\n\n" + (element.tail or "")
        element.text = "\n\n" + (element.text or "")
    paragraphs = tree.text_content().split("\n\n")
    return tidy_paragraphs([" ".join(paragraph.split()) for paragraph in paragraphs])
