"""E-mail (``.eml``): a newsletter or a forwarded article as a mail program saves it.

The subject is the title, the sender the origin, the ``Date:`` header the date. The body is the
plain-text part, or the HTML part's article when there is only HTML (as in most newsletters).
Lines a mail program wrapped at 72 columns are joined back into paragraphs; quoted lines
(``> ``) and the signature after ``-- `` are left out.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
from email.message import EmailMessage

from index.articles.readers.base import (
    Extracted,
    Unreadable,
    digest_of,
    iso_date,
    short_title,
    split_paragraphs,
    tidy_paragraphs,
)
from index.articles.readers.webpage import fragment_text, page_text

_SIGNATURE = re.compile(r"\n-- ?\n.*", re.DOTALL)
_HEADER = re.compile(rb"^[A-Za-z-]+:", re.MULTILINE)


def read(data: bytes) -> list[Extracted]:
    """The article of an e-mail message.

    Raises:
        Unreadable: Not an e-mail, or one without a text body.
    """
    if not _HEADER.match(data.lstrip()[:200]):
        raise Unreadable("not an e-mail message (no headers such as From: and Subject:)")
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # what policy.default makes
    if message.defects and not (message["From"] or message["Subject"]):
        raise Unreadable(f"not a readable e-mail ({type(message.defects[0]).__name__})")
    text = _body(message)
    if not text:
        raise Unreadable("an e-mail without a text body (only attachments or images?)")
    sender = email.utils.parseaddr(str(message["From"] or ""))
    return [
        Extracted(
            text=text,
            body_start=0,
            digest=digest_of(data),
            title=short_title(str(message["Subject"] or "")),
            date=_date(message["Date"]),
            origin=short_title(sender[0]) or short_title(sender[1]),
        )
    ]


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset, a broken encoding
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        page = page_text(content, tables=False)  # newsletters are laid out in tables
        return page.text if page is not None else fragment_text(content)
    return _unwrapped(content.replace("\r\n", "\n"))


def _unwrapped(text: str) -> str:
    """Plain text with its paragraphs' wrapped lines joined, quotes and signature dropped."""
    text = _SIGNATURE.sub("", text)
    paragraphs = []
    for paragraph in split_paragraphs(text):
        lines = [line for line in paragraph.split("\n") if not line.lstrip().startswith(">")]
        paragraphs.append(" ".join(line.strip() for line in lines))
    return tidy_paragraphs(paragraphs)


def _date(value: object) -> str | None:
    if value is None:
        return None
    try:
        return iso_date(email.utils.parsedate_to_datetime(str(value)))
    except (TypeError, ValueError, IndexError):
        return None
