"""Hostile chat input and what the bot must do with it (data only; see test_hostile_input.py).

A ``reply`` is a phrase the bot's one reply must contain; None means the bot stays silent.
Callback data may hold ``{stamp}``, filled in with the index's current stamp, so the forgery
gets past the staleness check and reaches the parsing and lookups behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BOT = "briefing_test_bot"  # the stand-in's default username

# What the replies say.
ANSWERED = "[1]"  # an answer (or the closest passage), with a numbered citation
IN_WORDS = "Please send a question in words"
TOO_LONG = "That is a long question"
TEXT_ONLY = "only read questions written as text"
ASK_USAGE = "Send /ask followed by your question"
START = "I answer questions about the news briefing"
SOURCES = "Articles in the briefing"
ADMINS_ONLY = "only the bot's admins"
UNKNOWN_BUTTON = "Sorry, I don't know that button."
EXPIRED = "This answer has expired: please ask again."
UPDATED = "The briefing was updated since this message: please ask again."

# Nothing a reply may show: the server side of the bot, or what a forgery asked for.
UNDISCLOSED = (
    "Traceback",
    'File "',
    ".py",
    ".faiss",
    ".jsonl",
    "manifest.json",
    "/etc/passwd",
    "something went wrong",
)


@dataclass(frozen=True)
class Message:
    """A text message (or, with ``edited``, an edit of one) from a user in a chat."""

    id: str
    text: str
    reply: str | None
    chat_type: str = "private"
    entities: list[dict[str, Any]] | None = None  # None: what Telegram would detect
    edited: bool = False


MESSAGES = [
    Message("empty", "", TEXT_ONLY),
    Message("whitespace-only", " \n\t \u00a0\u3000 ", IN_WORDS),
    Message("100k-characters", "What did Lavrov say? " * 5000, TOO_LONG),
    Message("100k-one-word", "x" * 100_000, TOO_LONG),
    Message("nul-bytes", "What did\x00 Lavrov\x00 say?", "Lavrov"),
    Message("nul-only", "\x00\x00\x00", IN_WORDS),
    Message("terminal-escapes", "\x07\x1b[31mWhat did Lavrov say?\x1b[0m", "Lavrov"),
    Message("rtl-override", "\u202eWhat did Lavrov say?\u202c", "Lavrov"),
    Message("direction-marks-only", "\u200f\u200e\u202b\u202e\u2066\u2069", IN_WORDS),
    Message("arabic-behind-rlm", "\u200fماذا قال لافروف؟", ANSWERED),
    Message("zero-width-inside-words", "What did Lav\u200brov s\u200day\u2060?", "Lavrov"),
    Message("zero-width-only", "\u200b\u200c\u200d\ufeff\u2060", IN_WORDS),
    Message("emoji-only", "🎉🔥👍🏽👨‍👩‍👧", IN_WORDS),
    Message("emoji-around-a-question", "🤔 What did Zakharova say? 🤔", "Zakharova"),
    Message("combining-marks-only", "\u0301\u0301\u0308\u20dd", IN_WORDS),
    Message("html-bold", "<b>What did Lavrov say?</b>", "Lavrov"),
    Message(
        "html-javascript-link", '<a href="javascript:alert(1)">What did Lavrov say?</a>', "Lavrov"
    ),
    Message("html-entities", "&amp; &lt;b&gt; &#0; &#x110000; What did Lavrov say?", "Lavrov"),
    Message("html-unclosed-tags", "<i><b>What did Zakharova say?", "Zakharova"),
    Message("html-script", "<tg-spoiler>x</tg-spoiler><script>alert(1)</script>", ANSWERED),
    Message("markdown", "*What* _did_ [Lavrov](javascript:alert(1)) `say`? ||x|| ~y~", ANSWERED),
    Message("ask-10k-characters", "/ask " + "why " * 2500, TOO_LONG),
    Message("ask-blank", "/ask    ", ASK_USAGE),
    Message("ask-emoji", "/ask 🎉🎉", IN_WORDS),
    Message("ask-html", "/ask <b>What did Lavrov say?</b>", "Lavrov"),
    Message("start-for-another-bot", "/start@otherbot", None),
    Message("start-for-this-bot", f"/start@{BOT}", START),
    Message("start-with-a-path", "/start ../../etc/passwd", START),
    Message("sources-99999", "/sources 99999", SOURCES),
    Message("sources-negative", "/sources -1", SOURCES),
    Message("reindex-a-path", "/reindex ../../etc", ADMINS_ONLY),
    Message("unknown-command", "/frobnicate now", None),
    Message("longest-command", "/" + "a" * 64, None),
    Message("a-lone-slash", "/", IN_WORDS),
    Message("edited-question", "What did Lavrov say?", None, edited=True),
    Message("edited-command", "/start", None, edited=True),  # an edit is no new command
    Message("group-without-mention", "What did Lavrov say?", None, "supergroup"),
    Message("group-another-bot", "@otherbot What did Lavrov say?", None, "supergroup"),
    Message("group-command-another-bot", "/help@otherbot", None, "group"),
    Message("group-mention-html", f"@{BOT} <b>What did Lavrov say?</b>", "Lavrov", "supergroup"),
    Message("group-mention-only", f"@{BOT} \u200b", IN_WORDS, "supergroup"),
    Message(
        "group-entity-past-the-end",
        "hi",
        None,
        "supergroup",
        entities=[{"type": "mention", "offset": 50, "length": 20}],
    ),
    Message(
        "command-entity-past-the-end",
        "/st",
        None,
        entities=[{"type": "bot_command", "offset": 0, "length": 40}],
    ),
]


@dataclass(frozen=True)
class Press:
    """A button press with forged callback_data on a message of the bot's."""

    id: str
    data: str
    notice: str


PRESSES = [
    Press("unknown-answer", "m:999999999999:1:{stamp}", EXPIRED),
    Press("unknown-passage", "p:99999999:{stamp}", UNKNOWN_BUTTON),
    Press("stale", "p:1:deadbeef", UPDATED),
    Press("path", "../../etc/passwd", UNKNOWN_BUTTON),
    Press("path-in-a-field", "p:../../etc/passwd:{stamp}", UNKNOWN_BUTTON),
    Press("huge-number", "p:" + "9" * 40 + ":{stamp}", UNKNOWN_BUTTON),
    Press("far-too-long", "m:" + "1" * 300 + ":1:{stamp}", UNKNOWN_BUTTON),
    Press("negative-id", "p:-1:{stamp}", UNKNOWN_BUTTON),
    Press("negative-page", "m:1:-1:{stamp}", UNKNOWN_BUTTON),
    Press("page-zero", "s:0:{stamp}", UNKNOWN_BUTTON),
    Press("leading-zeros", "p:007:{stamp}", UNKNOWN_BUTTON),
    Press("arabic-indic-digits", "p:٣:{stamp}", UNKNOWN_BUTTON),
    Press("fullwidth-digits", "p:１:{stamp}", UNKNOWN_BUTTON),
    Press("trailing-newline", "p:1:{stamp}\n", UNKNOWN_BUTTON),
    Press("nul-byte", "p:1\x00:{stamp}", UNKNOWN_BUTTON),
    Press("upper-case-stamp", "p:1:DEADBEEF", UNKNOWN_BUTTON),
    Press("html", "<b>p:1</b>", UNKNOWN_BUTTON),
    Press("emoji", "🎉", UNKNOWN_BUTTON),
    Press("empty", "", UNKNOWN_BUTTON),
]
