"""A stand-in for the Telegram Bot API HTTP server, for tests that run the real PTB against it.

Point PTB at it: ``ApplicationBuilder().token(api.token).base_url(api.base_url)
.base_file_url(api.base_file_url)``. Errors and their wording follow the Bot API server
(telegram-bot-api Client.cpp) and TDLib (MessageEntity.cpp parse_html, fix_formatted_text), so
PTB raises the same exceptions it would against Telegram.

Deliberately not reproduced: Markdown/MarkdownV2 parse modes (answered 400), auto-detected
hashtags, cashtags, e-mails and phone numbers, normalisation of ``<a href>`` links, dropping of
entities nested in code/pre, flood limits (inject them with ``fail_next``), webhook delivery,
inline messages, media sending methods (unknown methods answer 404 like Telegram).

``wait_for`` blocks: inside the event loop that runs the bot use ``wait_for_async``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import email.parser
import email.policy
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qsl, unquote, urlsplit

JSON = dict[str, Any]
MAX_TEXT = 4096  # counted in code points: TDLib checks utf8_length(), not UTF-16 units
MAX_CALLBACK_DATA = 64  # bytes of UTF-8
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses bigger files on Telegram's servers
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
# Parameters the Bot API reads as strings; every other form value is JSON (PTB json.dumps them).
_STRING_PARAMS = frozenset(
    "text caption parse_mode url secret_token callback_query_id inline_message_id action "
    "language_code data file_id emoji title description business_connection_id".split()
)
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_ACTIONS = frozenset(
    "typing upload_photo record_video upload_video record_voice upload_voice upload_document "
    "choose_sticker find_location record_video_note upload_video_note".split()
)


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional ``parameters``."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


@dataclass
class Call:
    """One request as received; ``status`` is filled in once answered (0 = dropped).

    ``applied``: the call took effect (e.g. the message was sent), whether or not its answer
    reached the client: true for every 200, and for ``drop_next(..., after=True)``."""

    method: str
    params: JSON
    at: float
    status: int | None = None
    applied: bool = False


@dataclass(frozen=True)
class SentMessage:
    """The current state of one message the bot sent (``source`` is the text as sent)."""

    chat_id: int | str
    message_id: int
    text: str
    entities: list[JSON]
    source: str
    parse_mode: str | None
    reply_markup: JSON | None
    link_preview_options: JSON | None
    edits: int


@dataclass
class _Fault:
    status: int | None
    retry_after: int | None
    description: str | None
    delay: float | None
    drop: bool = False
    after: bool = False  # drop only after the call took effect


@dataclass
class _Meta:  # what the bot asked for, beside the Message Telegram made of it
    source: str
    parse_mode: str | None
    reply_markup: JSON | None
    link_preview_options: JSON | None
    seq: int
    edits: int = 0


# ---------------------------------------------------------------- text: a port of TDLib's rules
_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline"}
_TAGS |= {"ins": "underline", "s": "strikethrough", "strike": "strikethrough"}
_TAGS |= {"del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler"}
_OTHER_TAGS = {"a", "code", "pre", "blockquote", "tg-emoji"}
_SPACE = " \t\r\n\0\v\f"  # td::is_space; "\0" also stands for the end of the text
_DROPPED = set("\r\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u0333\u033f\u030a")
_AUTO = re.compile(
    r"(?P<bot_command>(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>@]))"
    r"|(?P<mention>(?<!\w)@[A-Za-z0-9_]{2,32}(?!\w))|(?P<url>\bhttps?://[^\s<>\"]+)"
)
_OPAQUE = {"code", "pre", "text_link", "text_mention", "custom_emoji"}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _bad(description: str) -> ApiError:
    return ApiError(400, "Bad Request: " + description)


def _decode_entity(s: str, pos: int) -> tuple[str, int] | None:
    """TDLib's decode_html_entity: (character, next position), or None for a literal '&'."""
    end = pos + 1
    if s[end : end + 1] == "#":
        end += 1
        hexa = s[end : end + 1] == "x"
        end += hexa
        digits, start = ("0123456789abcdefABCDEF" if hexa else "0123456789"), end
        while end < len(s) and s[end] in digits:
            end += 1
        code = int(s[start:end], 16 if hexa else 10) if end > start else 0
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
        char: str | None = chr(code)
    else:
        while end < len(s) and s[end].isascii() and s[end].isalpha():
            end += 1
        char = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(s[pos + 1 : end])
    if char is None:
        return None
    return char, end + 1 if s[end : end + 1] == ";" else end


def _parse_html(s: str, out: list[str]) -> list[JSON]:
    """TDLib's parse_html, appending the plain text to ``out``; entity offsets in code points."""
    ents: list[JSON] = []
    stack: list[tuple[str, str, int]] = []

    def at(k: int) -> str:
        return s[k] if k < len(s) else "\0"

    def fail(what: str, k: int | None = None) -> ApiError:
        where = "" if k is None else f" at byte offset {len(s[:k].encode())}"
        return _bad(f"can't parse entities: {what}{where}")

    i = 0
    while i < len(s):
        if s[i] == "&" and (decoded := _decode_entity(s, i)):
            if 0xD800 <= ord(decoded[0]) <= 0xDFFF:
                raise fail("Text contains invalid Unicode characters after decoding HTML entities")
            _emit(out, decoded[0])
            i = decoded[1]
            continue
        if s[i] != "<":
            _emit(out, s[i])
            i += 1
            continue
        begin, i = i, i + 1
        if at(i) != "/":
            while at(i) not in _SPACE and at(i) != ">":
                i += 1
            if at(i) == "\0":
                raise fail("Unclosed start tag", begin)
            tag, arg = s[begin + 1 : i].lower(), ""
            if tag not in _TAGS and tag not in _OTHER_TAGS:
                raise fail(f'Unsupported start tag "{tag}"', begin)
            while at(i) != ">":
                while at(i) != "\0" and at(i) in _SPACE:
                    i += 1
                if at(i) == ">":
                    break
                name_at = i
                while at(i) not in _SPACE and at(i) not in "=>":
                    i += 1
                name = s[name_at:i]
                if not name:
                    raise fail(f'Empty attribute name in the tag "{tag}"', begin)
                while at(i) != "\0" and at(i) in _SPACE:
                    i += 1
                if at(i) != "=":
                    if tag == "blockquote" and name == "expandable":  # the one valueless attribute
                        arg = "expandable"
                        continue
                    what = f'Expected equal sign in declaration of an attribute of the tag "{tag}"'
                    raise fail(what, begin)
                i += 1
                while at(i) != "\0" and at(i) in _SPACE:
                    i += 1
                if at(i) == "\0":
                    raise fail(f'Unclosed start tag "{tag}"', begin)
                if at(i) not in "'\"":  # an unquoted name token, lowercased like SGML
                    token_at = i
                    while at(i).isascii() and (at(i).isalnum() or at(i) in ".-"):
                        i += 1
                    value = s[token_at:i].lower()
                    if at(i) not in _SPACE and at(i) != ">":
                        raise fail("Unexpected end of name token", token_at)
                else:
                    quote, chars = at(i), []
                    i += 1
                    while at(i) not in (quote, "\0"):
                        if at(i) == "&" and (decoded := _decode_entity(s, i)):
                            chars.append(decoded[0])
                            i = decoded[1]
                        else:
                            chars.append(s[i])
                            i += 1
                    i += at(i) == quote
                    value = "".join(chars)
                if at(i) == "\0":
                    raise fail("Unclosed start tag", begin)
                if (tag, name) in {("a", "href"), ("tg-emoji", "emoji-id")}:
                    arg = value
                elif (tag, name) == ("code", "class") and value.startswith("language-"):
                    arg = value[9:]
                elif (tag, name) == ("span", "class") and value.startswith("tg-"):
                    arg = value[3:]
            if tag == "span" and arg != "spoiler":
                raise fail('Tag "span" must have class "tg-spoiler"', begin)
            stack.append((tag, arg, len(out)))
            i += 1
            continue
        if not stack:
            raise fail("Unexpected end tag", begin)
        while at(i) not in _SPACE and at(i) != ">":
            i += 1
        end_tag = s[begin + 2 : i].lower()
        while at(i) != "\0" and at(i) in _SPACE:
            i += 1
        if at(i) != ">":
            raise fail("Unclosed end tag", begin)
        tag, arg, start = stack.pop()
        if end_tag and end_tag != tag:
            raise fail(
                f"Unmatched end tag at byte offset {len(s[:begin].encode())}, expected "
                f'"</{tag}>", found "</{end_tag}>"'
            )
        i += 1
        if len(out) > start:  # empty entities are dropped, as TDLib does
            _close(tag, arg, start, out, ents, fail)
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    for ent in ents:
        if ent["type"] == "code":
            ent.pop("language", None)
    return ents


def _emit(out: list[str], char: str) -> None:
    """fix_formatted_text's per-character rules: drop CR and bidi marks, controls become spaces."""
    if char not in _DROPPED:
        out.append(" " if ord(char) < 32 and char != "\n" else char)


def _close(
    tag: str, arg: str, start: int, out: list[str], ents: list[JSON], fail: Callable[..., ApiError]
) -> None:
    ent: JSON = {"offset": start, "length": len(out) - start}
    last = ents[-1] if ents else {}
    same = last.get("offset") == start and last.get("length") == ent["length"]
    if tag in _TAGS:
        ent["type"] = _TAGS[tag]
    elif tag == "blockquote":
        ent["type"] = "expandable_blockquote" if arg else "blockquote"
    elif tag == "tg-emoji":
        if not re.fullmatch(r"-?\d{1,19}", arg) or int(arg) == 0:
            raise fail("Invalid custom emoji identifier specified")
        ent.update(type="custom_emoji", custom_emoji_id=arg)
    elif tag == "a":
        url = arg or "".join(out[start:])
        if mention := re.fullmatch(r"tg://user\?id=(\d+)", url):
            user = {"id": int(mention[1]), "is_bot": False, "first_name": ""}
            ent.update(type="text_mention", user=user)
        elif re.fullmatch(r"(?i)(https?|tg|ton)://\S+", url):
            ent.update(type="text_link", url=url)
        elif re.fullmatch(r"(?i)[\w.-]+\.[a-z]{2,}(/\S*)?", url):
            ent.update(type="text_link", url="http://" + url)
        else:
            return  # TDLib silently drops links it cannot check
    elif tag == "pre" and same and last["type"] == "code" and last.get("language"):
        last["type"] = "pre"  # <pre><code class="language-x">: one pre entity with a language
        return
    elif tag == "code" and same and last["type"] == "pre" and arg:
        last["language"] = arg
        return
    else:
        ent["type"] = tag
        if arg:
            ent["language"] = arg
    ents.append(ent)


def format_text(text: Any, parse_mode: Any) -> tuple[str, list[JSON]]:
    """The text and entities Telegram makes of a sendMessage text, or the ApiError it answers."""
    if not isinstance(text, str) or not text:
        raise _bad("message text is empty")
    out: list[str] = []
    if parse_mode in (None, ""):
        ents: list[JSON] = []
        for char in text:
            _emit(out, char)
    elif str(parse_mode).lower() == "html":
        ents = _parse_html(text, out)
    elif str(parse_mode).lower() in ("markdown", "markdownv2"):
        raise _bad(f"the stand-in server does not implement parse_mode {parse_mode}")
    else:
        raise _bad("unsupported parse_mode")
    plain = "".join(out)
    ents = [e for e in ents if plain[e["offset"] : e["offset"] + e["length"]].strip(" \n")]
    end = len(plain.rstrip(" \n"))
    if end == 0:
        raise _bad("message must be non-empty")
    lead = min([len(plain) - len(plain.lstrip(" \n"))] + [e["offset"] for e in ents])
    for ent in ents:  # trimmed like TDLib: right always, left only up to the first entity
        ent["length"] = min(ent["offset"] + ent["length"], end) - ent["offset"]
        ent["offset"] -= lead
    plain = plain[lead:end]
    if len(plain) > MAX_TEXT:
        raise _bad("message is too long")
    opaque = [(e["offset"], e["offset"] + e["length"]) for e in ents if e["type"] in _OPAQUE]
    for ent in _detect(plain):
        if all(ent["offset"] + ent["length"] <= a or ent["offset"] >= b for a, b in opaque):
            ents.append(ent)
    return plain, _to_utf16(plain, ents)


def _detect(text: str) -> list[JSON]:
    """Entities Telegram finds by itself: bot commands, @mentions, http(s) URLs."""
    return [
        {"offset": m.start(), "length": m.end() - m.start(), "type": m.lastgroup}
        for m in _AUTO.finditer(text)
    ]


def _to_utf16(text: str, ents: list[JSON]) -> list[JSON]:
    for ent in ents:
        start, stop = ent["offset"], ent["offset"] + ent["length"]
        ent["offset"], ent["length"] = utf16_len(text[:start]), utf16_len(text[start:stop])
    return [
        {"type": e.pop("type"), **e}
        for e in sorted(ents, key=lambda e: (e["offset"], -e["length"]))
    ]


def _check_markup(markup: Any) -> JSON | None:
    if markup is None or not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return cast("JSON | None", markup)
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    for button in (b for row in rows for b in row):
        if set(button) <= {"text"}:
            raise _bad("text buttons are unallowed in the inline keyboard")
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
            raise _bad("BUTTON_DATA_INVALID")
    return markup


def _decode_params(query: str, content_type: str, body: bytes) -> JSON:
    """Request parameters as the Bot API reads them: query, form, multipart or JSON body."""
    raw: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if content_type.startswith("application/json") and body:
        raw.update(json.loads(body))
    elif content_type.startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        for part in message.iter_parts():  # files stay bytes, fields become text
            data = cast(bytes, part.get_payload(decode=True))
            name = str(part.get_param("name", header="content-disposition"))
            raw[name] = data if part.get_filename() else data.decode()
    elif body:
        raw.update(parse_qsl(body.decode(), keep_blank_values=True))
    return {key: _decode_value(key, value) for key, value in raw.items()}


def _decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str) or key in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # e.g. chat_id="@channel"


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # idle keep-alive threads must not hold up stop()

    def __init__(self, owner: BotApiServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner
        self.conns: set[socket.socket] = set()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed or gone mid-request (e.g. a bot process SIGKILLed) is no error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as PTB's httpx pool gets from Telegram

    def setup(self) -> None:
        super().setup()
        cast(_HTTPServer, self.server).conns.add(self.connection)

    def finish(self) -> None:
        cast(_HTTPServer, self.server).conns.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the call log is the record."""

    def do_GET(self) -> None:
        owner = cast(_HTTPServer, self.server).owner
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        owner._enter()
        try:
            status, payload, kind = owner._answer(self.path, self.headers["Content-Type"], body)
            if payload is None:  # drop_next: hang up without a word
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True  # the client went away, e.g. a cancelled long poll
        finally:
            owner._leave()

    do_POST = do_GET


DEFAULT_TOKEN = "123456789:AAE-stand-in-token-for-tests-0123456"


class BotApiServer:
    """The Bot API on 127.0.0.1, started on construction; a context manager that stops itself.

    ``chat not found`` is answered for chats the bot has never seen, as Telegram does: push a
    message from the chat first or call ``add_chat``.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = "briefing_test_bot",
        first_name: str = "Briefing",
        max_poll_timeout: float = 50.0,
    ) -> None:
        self.token = token
        bot_id = int(token.split(":")[0]) if re.match(r"\d+:", token) else 1234567
        self.bot_user: JSON = {"id": bot_id, "is_bot": True, "first_name": first_name}
        self.bot_user["username"] = username
        self.max_poll_timeout = max_poll_timeout
        self.webhook: JSON = {}  # what setWebhook recorded: url, secret_token, ...
        self.allowed_updates: list[str] | None = None  # as last given to getUpdates
        self._cond = threading.Condition(threading.RLock())  # guards everything below
        self._stopping = threading.Event()
        self._calls: list[Call] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._updates: list[JSON] = []
        self._next_update, self._poll_gen, self._inflight = 1, 0, 0
        self._chats: dict[int | str, JSON] = {}
        self._blocked: set[int | str] = set()
        self._admins: dict[int | str, set[int]] = {}  # group -> its administrators' user ids
        self._creators: dict[int | str, int] = {}
        self._next_mid: dict[int | str, int] = {}
        self._messages: dict[tuple[int | str, int], JSON] = {}
        self._meta: dict[tuple[int | str, int], _Meta] = {}
        self._seq = self._floor = 0
        self._callbacks: set[str] = set()
        self._next_callback = 4_242_000_000_000_000_000
        self._files: dict[str, tuple[str, str, bytes]] = {}  # file_id -> unique id, path, bytes
        self._commands: dict[str, list[JSON]] = {}
        self._handlers: dict[str, tuple[str, Callable[[JSON], Any]]] = {
            name[3:].lower(): (name[3:], getattr(self, name))
            for name in dir(self)
            if name.startswith("_m_")
        }
        self._httpd = _HTTPServer(self)
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="botapi", daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def username(self) -> str:
        return str(self.bot_user["username"])

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def __enter__(self) -> BotApiServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Answer waiting long polls and delayed calls, then close every connection."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._inflight == 0, timeout=2.0)
        self._httpd.shutdown()
        for conn in list(self._httpd.conns):  # idle keep-alive connections would linger
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        self._thread.join(timeout=5.0)

    # ------------------------------------------------------------------ recording
    def calls(self, method: str | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self._calls if method is None or c.method.lower() == method.lower()]

    def sent_messages(self, chat_id: int | str | None = None) -> list[SentMessage]:
        """The bot's messages (since the last ``clear``) as they are now, oldest first."""
        with self._cond:
            return [
                SentMessage(
                    key[0],
                    key[1],
                    msg["text"],
                    copy.deepcopy(msg.get("entities", [])),
                    meta.source,
                    meta.parse_mode,
                    copy.deepcopy(meta.reply_markup),
                    copy.deepcopy(meta.link_preview_options),
                    meta.edits,
                )
                for key, meta in self._meta.items()
                if meta.seq > self._floor and chat_id in (None, key[0])
                for msg in [self._messages[key]]
            ]

    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by a getUpdates offset."""
        with self._cond:
            return copy.deepcopy(self._updates)

    def wait_for(
        self,
        what: str | Callable[[Call], bool],
        count: int = 1,
        timeout: float = 10.0,
        *,
        answered: bool = True,
    ) -> list[Call]:
        """Block until ``count`` calls match (a method name or a predicate); return them all.

        Only answered calls count unless ``answered=False``, so the answer's effects (e.g.
        ``sent_messages``) are visible when this returns. Raises TimeoutError.
        """

        def match(call: Call) -> bool:
            if answered and call.status is None:
                return False
            return call.method.lower() == what.lower() if isinstance(what, str) else what(call)

        deadline = time.monotonic() + timeout
        with self._cond:
            while len(found := [c for c in self._calls if match(c)]) < count:
                if (left := deadline - time.monotonic()) <= 0:
                    seen = [c.method for c in self._calls]
                    raise TimeoutError(f"{len(found)}/{count} calls matching {what!r}; saw {seen}")
                self._cond.wait(left)
            return found

    async def wait_for_async(
        self,
        what: str | Callable[[Call], bool],
        count: int = 1,
        timeout: float = 10.0,
        *,
        answered: bool = True,
    ) -> list[Call]:
        """``wait_for`` without blocking the event loop that runs the bot."""
        return await asyncio.to_thread(self.wait_for, what, count, timeout, answered=answered)

    def clear(self) -> None:
        """Forget the call log and hide the messages sent so far (they stay editable)."""
        with self._cond:
            self._calls.clear()
            self._floor = self._seq

    # ------------------------------------------------------------------ faults
    def fail_next(
        self,
        method: str,
        status: int | None,
        count: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
        delay: float | None = None,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` with ``status`` (None: normally), after
        ``delay`` seconds if given. A 429 carries ``parameters.retry_after`` (default 1)."""
        if status is None and delay is None:
            raise ValueError("give a status, a delay, or both")
        if status == 429 and retry_after is None:
            retry_after = 1
        fault = _Fault(status, retry_after, description, delay)
        with self._cond:
            self._faults.setdefault(method.lower(), []).extend([fault] * count)

    def drop_next(self, method: str, count: int = 1, *, after: bool = False) -> None:
        """Close the connection of the next ``count`` calls of ``method`` without answering.

        ``after``: the call takes effect first (a message is sent, updates are confirmed), then
        the connection is closed, so the client cannot tell whether it did."""
        with self._cond:
            self._faults.setdefault(method.lower(), []).extend(
                [_Fault(None, None, None, None, drop=True, after=after)] * count
            )

    def set_chat_admins(self, chat_id: int | str, *user_ids: int) -> None:
        """The group's administrators, as getChatMember reports them (the first the creator)."""
        with self._cond:
            self._admins[chat_id] = set(user_ids)
            self._creators[chat_id] = user_ids[0]

    def block_chat(self, chat_id: int | str) -> None:
        """The user blocks the bot (or the group kicks it): sends answer 403 from now on."""
        with self._cond:
            self._blocked.add(chat_id)

    # ------------------------------------------------------------------ input
    def add_chat(
        self,
        chat_id: int,
        chat_type: str = "private",
        *,
        first_name: str = "Tess",
        username: str | None = "tester",
        title: str | None = None,
    ) -> JSON:
        """Make a chat known to the bot (Telegram knows a chat once its user wrote to the bot)."""
        with self._cond:
            if chat_id not in self._chats:
                chat: JSON = {"id": chat_id, "type": chat_type}
                if chat_type == "private":
                    chat.update(
                        first_name=first_name, **({"username": username} if username else {})
                    )
                else:
                    chat["title"] = title or f"Test {chat_type}"
                self._chats[chat_id] = chat
            return self._chats[chat_id]

    def push_update(self, update: JSON) -> int:
        """Queue an update as given (an ``update_id`` is assigned if missing); return its id.

        Like Telegram, updates of a type that ``allowed_updates`` excludes are never created.
        """
        with self._cond:
            if "update_id" not in update:
                update = {"update_id": self._next_update, **update}
            uid = int(update["update_id"])
            self._next_update = max(self._next_update, uid + 1)
            kind = next((k for k in update if k != "update_id"), "")
            allowed = self.allowed_updates or None
            if kind in _OPT_IN_UPDATES if allowed is None else kind not in allowed:
                return uid
            self._updates.append(copy.deepcopy(update))  # a snapshot, as Telegram's is
            self._cond.notify_all()
            return uid

    def push_message(
        self, chat_id: int, text: str, *, entities: list[JSON] | None = None, **who: Any
    ) -> int:
        """Queue a user's text message; see ``text_message``. Returns the update_id."""
        return self.push_update(self.text_message(chat_id, text, entities=entities, **who))

    # Builders: an update with a new user message (stored, so replies and edits can find it),
    # for push_update. ``who``: user_id (private chats: the chat id), chat_type ("private",
    # "group", "supergroup"), username, first_name, reply_to_message_id, language_code (the
    # user's app language, "en" unless given).
    def text_message(
        self, chat_id: int, text: str, *, entities: list[JSON] | None = None, **who: Any
    ) -> JSON:
        """Entities default to what Telegram detects: bot commands, @mentions, http(s) URLs."""
        found = _to_utf16(text, _detect(text)) if entities is None else entities
        return self._message(
            chat_id, {"text": text, **({"entities": found} if found else {})}, **who
        )

    def sticker_message(self, chat_id: int, emoji: str = "👍", **who: Any) -> JSON:
        sticker = {**self._file("stickers/s.webp", b"RIFF"), "type": "regular", "emoji": emoji}
        sticker.update(width=512, height=512, is_animated=False, is_video=False)
        return self._message(chat_id, {"sticker": sticker}, **who)

    def photo_message(self, chat_id: int, caption: str | None = None, **who: Any) -> JSON:
        sizes = [
            {**self._file(f"photos/p{w}.jpg", b"\xff\xd8"), "width": w, "height": w}
            for w in (90, 800)
        ]
        return self._message(
            chat_id, {"photo": sizes, **({"caption": caption} if caption else {})}, **who
        )

    def voice_message(
        self, chat_id: int, data: bytes = b"OggS", duration: int = 2, **who: Any
    ) -> JSON:
        """The voice note's ``data`` can be fetched with getFile and the file URL."""
        voice = {**self._file("voice/v.oga", data), "duration": duration, "mime_type": "audio/ogg"}
        return self._message(chat_id, {"voice": voice}, **who)

    def document_message(
        self,
        chat_id: int,
        data: bytes,
        file_name: str | None,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        *,
        stated_size: int | None = None,
        **who: Any,
    ) -> JSON:
        """A file sent as a document; its ``data`` can be fetched with getFile and the file
        URL. ``stated_size`` overrides the size the message states (Telegram states it)."""
        document = self._file(f"documents/{file_name or 'file'}", data)
        if stated_size is not None:
            document["file_size"] = stated_size
        document |= {"mime_type": mime_type, **({"file_name": file_name} if file_name else {})}
        content: JSON = {"document": document}
        if caption:
            content["caption"] = caption
            found = _to_utf16(caption, _detect(caption))
            if found:
                content["caption_entities"] = found
        return self._message(chat_id, content, **who)

    def forwarded_post(
        self,
        chat_id: int,
        text: str,
        *,
        channel_id: int = -1001234567890,
        channel_title: str = "Harbour News",
        channel_username: str | None = "harbour_news",
        channel_message_id: int = 77,
        date: int = 1773309600,
        **who: Any,
    ) -> JSON:
        """A channel's post forwarded by a user: ``forward_origin`` names the channel, the
        post's id and date (Unix time; 2026-03-12 10:00 UTC by default)."""
        channel: JSON = {"id": channel_id, "type": "channel", "title": channel_title}
        if channel_username:
            channel["username"] = channel_username
        origin = {
            "type": "channel",
            "chat": channel,
            "message_id": channel_message_id,
            "date": date,
        }
        content: JSON = {"text": text, "forward_origin": origin, "forward_date": date}
        return self._message(chat_id, content, **who)

    def push_edited_message(
        self,
        chat_id: int,
        text: str,
        *,
        message_id: int | None = None,
        entities: list[JSON] | None = None,
        **who: Any,
    ) -> int:
        """The user edits their message ``message_id`` to ``text``; without an id, a message of
        theirs that was sent earlier (and never delivered) is edited."""
        with self._cond:
            if message_id is None:
                message_id = self.text_message(chat_id, text, **who)["message"]["message_id"]
            msg = self._messages.get((chat_id, message_id))
            if msg is None or msg["from"]["is_bot"]:
                raise ValueError(f"no user message {message_id} in chat {chat_id}")
            found = _to_utf16(text, _detect(text)) if entities is None else entities
            msg.pop("entities", None)
            msg.update(
                text=text, edit_date=int(time.time()), **({"entities": found} if found else {})
            )
            return self.push_update({"edited_message": msg})

    def push_callback_query(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        check_keyboard: bool = False,
    ) -> int:
        """A user presses a button with ``data`` on the bot's message ``message_id``.

        ``check_keyboard`` refuses data that is not on the message's keyboard (what a genuine
        client can send); off by default so stale or forged data can be tested."""
        with self._cond:
            msg = self._messages.get((chat_id, message_id))
            if msg is None or not msg["from"]["is_bot"]:
                raise ValueError(f"no bot message {message_id} in chat {chat_id}")
            rows = msg.get("reply_markup", {}).get("inline_keyboard", [])
            if check_keyboard and data not in [b.get("callback_data") for row in rows for b in row]:
                raise ValueError(f"{data!r} is not on the message's keyboard")
            self._next_callback += 1
            query_id = str(self._next_callback)
            self._callbacks.add(query_id)
            user = self._user(user_id or (chat_id if chat_id > 0 else 4242))
            query = {"id": query_id, "from": user, "message": msg, "data": data}
            query["chat_instance"] = str(abs(chat_id) * 7919)
            return self.push_update({"callback_query": query})

    def _user(
        self,
        user_id: int,
        username: str | None = "tester",
        first_name: str = "Tess",
        language_code: str = "en",
    ) -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        named = {"username": username} if username else {}
        return {**user, **named, "language_code": language_code}

    def _file(self, path: str, data: bytes) -> JSON:
        with self._cond:
            n = len(self._files) + 1
            file_id, unique = f"AgAD-file-{n}", f"AQAD{n}"
            self._files[file_id] = (unique, path.replace(".", f"_{n}."), data)
        return {"file_id": file_id, "file_unique_id": unique, "file_size": len(data)}

    def _message(
        self,
        chat_id: int,
        content: JSON,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        username: str | None = "tester",
        first_name: str = "Tess",
        reply_to_message_id: int | None = None,
        language_code: str = "en",
    ) -> JSON:
        if chat_type == "private" and user_id not in (None, chat_id):
            raise ValueError("in a private chat the chat id is the user's id")
        user = self._user(
            user_id or chat_id if chat_type == "private" else user_id or 4242,
            username,
            first_name,
            language_code,
        )
        with self._cond:
            chat = self.add_chat(chat_id, chat_type, first_name=first_name, username=username)
            if reply_to_message_id is not None:
                if (chat_id, reply_to_message_id) not in self._messages:
                    raise ValueError(f"no message {reply_to_message_id} in chat {chat_id}")
                content["reply_to_message"] = self._reply(
                    chat, {"reply_to_message_id": reply_to_message_id}
                )
            return {"message": self._store(chat, user, content)}

    def _store(self, chat: JSON, sender: JSON, content: JSON) -> JSON:
        mid = self._next_mid[chat["id"]] = self._next_mid.get(chat["id"], 0) + 1
        msg = {"message_id": mid, "from": sender, "chat": chat, "date": int(time.time())}
        self._messages[(chat["id"], mid)] = msg = {**msg, **content}
        return msg

    def _reply(self, chat: JSON, p: JSON) -> JSON | None:
        wanted = p.get("reply_parameters") or {}
        if "reply_to_message_id" in p:
            wanted = {**p, "message_id": p["reply_to_message_id"]}
        if not wanted:
            return None
        target = self._messages.get((chat["id"], int(wanted["message_id"])))
        if target is None:
            if wanted.get("allow_sending_without_reply"):
                return None
            raise _bad("message to be replied not found")
        return {k: v for k, v in target.items() if k != "reply_to_message"}

    # ------------------------------------------------------------------ HTTP
    def _enter(self) -> None:
        with self._cond:
            self._inflight += 1

    def _leave(self) -> None:
        with self._cond:
            self._inflight -= 1
            self._cond.notify_all()

    def _answer(
        self, path: str, content_type: str | None, body: bytes
    ) -> tuple[int, bytes | None, str]:
        """(status, body or None to hang up, content type) for one request."""
        url = urlsplit(path)
        where = unquote(url.path)  # PTB percent-encodes the ':' of the token in file URLs
        download = re.fullmatch(r"/file/bot([^/]+)/(.+)", where)
        if download and download[1] == self.token:
            with self._cond:
                files = {path: data for _, path, data in self._files.values()}
            if download[2] in files:
                return 200, files[download[2]], "application/octet-stream"
        route = re.fullmatch(r"/bot([^/]*)/(\w+)", where)
        method, handler = (
            self._handlers.get(route[2].lower(), (route[2], None)) if route else ("", None)
        )
        call, answer = Call(method, {}, time.time()), None
        try:
            if route is None:
                raise ApiError(404, "Not Found")
            call.params = _decode_params(url.query, content_type or "", body)
            with self._cond:  # recorded and applied under one lock, so calls() never shows a
                self._calls.append(call)  # request whose effects are not visible yet
                self._cond.notify_all()
                if route[1] != self.token:
                    raise ApiError(401, "Unauthorized")
                if handler is None:
                    raise ApiError(404, "Not Found")
                queue = self._faults.get(method.lower()) or []
                fault = queue.pop(0) if queue else None  # faults are consumed in order
                if fault is None or not fault.delay:
                    result = _apply(handler, call.params, fault)
            if fault is not None and fault.delay:
                self._stopping.wait(fault.delay)
                with self._cond:
                    result = _apply(handler, call.params, fault)
            status, answer = 200, {"ok": True, "result": result}
            call.applied = True
        except _HangUp as hang_up:
            status, call.applied = 0, hang_up.applied
        except ApiError as exc:
            status, answer = exc.status, {"ok": False, "error_code": exc.status}
            answer["description"] = exc.description
            if exc.parameters:
                answer["parameters"] = exc.parameters
        except (ValueError, TypeError, KeyError, AttributeError) as exc:  # malformed parameters
            status, answer = 400, {"ok": False, "error_code": 400}
            answer["description"] = f"Bad Request: {exc!r}"
        with self._cond:
            call.status = status
            self._cond.notify_all()
        if answer is None:
            return 0, None, ""
        return status, json.dumps(answer, ensure_ascii=False).encode(), "application/json"

    # ------------------------------------------------------------------ methods (_m_<name>)
    def _m_getChatMember(self, p: JSON) -> JSON:
        chat = self._chat(p)
        user_id = p.get("user_id")
        if not isinstance(user_id, int):
            raise _bad("invalid user_id specified")
        user = {"id": user_id, "is_bot": False, "first_name": "Tess"}
        with self._cond:
            admins = self._admins.get(chat["id"], set())
            creator = self._creators.get(chat["id"])
        if chat["type"] == "private" or user_id == creator:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id not in admins:
            return {"status": "member", "user": user}
        rights = (
            "can_be_edited is_anonymous can_manage_chat can_delete_messages "
            "can_manage_video_chats can_restrict_members can_promote_members can_change_info "
            "can_invite_users can_post_stories can_edit_stories can_delete_stories"
        ).split()
        return {"status": "administrator", "user": user, **{right: False for right in rights}}

    def _m_getMe(self, p: JSON) -> JSON:
        flags = {"can_join_groups": True, "can_read_all_group_messages": False}
        flags |= {"supports_inline_queries": False, "can_connect_to_business": False}
        return {**self.bot_user, **flags, "has_main_web_app": False}

    def _m_logOut(self, p: JSON) -> bool:
        return True

    def _m_close(self, p: JSON) -> bool:
        return True

    def _m_setWebhook(self, p: JSON) -> bool:
        url = p.get("url") or ""
        if url and not str(url).startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        with self._cond:
            if p.get("drop_pending_updates"):
                self._updates.clear()
            self.webhook = (
                {k: v for k, v in p.items() if k != "drop_pending_updates"} if url else {}
            )
        return True

    def _m_deleteWebhook(self, p: JSON) -> bool:
        return self._m_setWebhook({"drop_pending_updates": p.get("drop_pending_updates")})

    def _m_getWebhookInfo(self, p: JSON) -> JSON:
        with self._cond:
            info = {"url": self.webhook.get("url", ""), "has_custom_certificate": False}
            return {**info, "pending_update_count": len(self._updates)}

    def _m_getUpdates(self, p: JSON) -> list[JSON]:
        """Long poll: answer as soon as updates exist, at the timeout, or on stop."""
        offset, limit = int(p.get("offset") or 0), min(max(int(p.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + min(
            max(float(p.get("timeout") or 0), 0), self.max_poll_timeout
        )
        with self._cond:
            if self.webhook:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is "
                    "active; use deleteWebhook to delete the webhook first",
                )
            if "allowed_updates" in p:
                self.allowed_updates = list(p["allowed_updates"] or []) or None
            self._poll_gen += 1  # a newer poll terminates an older one, as on Telegram
            generation = self._poll_gen
            self._cond.notify_all()
            if offset < 0:  # the last -offset updates; all earlier ones are forgotten
                del self._updates[: max(len(self._updates) + offset, 0)]
            else:  # an update is confirmed by any offset above its id
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while self._poll_gen == generation:
                left = deadline - time.monotonic()
                if self._updates or self._stopping.is_set() or left <= 0:
                    return copy.deepcopy(self._updates[:limit])
                self._cond.wait(left)
            raise ApiError(409, CONFLICT_POLL)

    def _chat(self, p: JSON) -> JSON:
        chat_id = p.get("chat_id")
        if chat_id in (None, ""):
            raise _bad("chat_id is empty")
        with self._cond:
            chat, blocked = self._chats.get(chat_id), chat_id in self._blocked
        if chat is None:
            raise _bad("chat not found")
        if blocked:
            raise ApiError(
                403,
                "Forbidden: bot was blocked by the user"
                if chat["type"] == "private"
                else f"Forbidden: bot was kicked from the {chat['type']} chat",
            )
        return chat

    def _m_sendMessage(self, p: JSON) -> JSON:
        chat = self._chat(p)
        text, ents = format_text(p.get("text"), p.get("parse_mode"))
        markup = _check_markup(p.get("reply_markup"))
        with self._cond:
            content: JSON = {"text": text, **({"entities": ents} if ents else {})}
            if reply := self._reply(chat, p):
                content["reply_to_message"] = reply
            if markup and "inline_keyboard" in markup:  # only inline keyboards come back
                content["reply_markup"] = markup
            msg = self._store(chat, self.bot_user, content)
            self._seq += 1
            meta = _Meta(
                p["text"], p.get("parse_mode"), markup, p.get("link_preview_options"), self._seq
            )
            self._meta[(chat["id"], msg["message_id"])] = meta
            return copy.deepcopy(msg)

    def _m_editMessageText(self, p: JSON) -> JSON:
        if "inline_message_id" in p:
            raise _bad("the stand-in server does not implement inline messages")
        chat = self._chat(p)
        if p.get("message_id") is None:
            raise _bad("message identifier is not specified")
        text, ents = format_text(p.get("text"), p.get("parse_mode"))
        markup = _check_markup(p.get("reply_markup"))
        with self._cond:
            msg = self._messages.get((chat["id"], int(p["message_id"])))
            if msg is None:
                raise _bad("message to edit not found")
            if not msg["from"]["is_bot"]:
                raise _bad("message can't be edited")
            if "text" not in msg:
                raise _bad("there is no text in the message to edit")
            keyboard = markup if markup and "inline_keyboard" in markup else None  # none removes it
            if (text, ents, keyboard) == (
                msg["text"],
                msg.get("entities", []),
                msg.get("reply_markup"),
            ):
                raise _bad(NOT_MODIFIED)
            for key, value in (("entities", ents), ("reply_markup", keyboard)):
                msg.pop(key, None)
                if value:
                    msg[key] = value
            msg.update(text=text, edit_date=int(time.time()))
            meta = self._meta[(chat["id"], msg["message_id"])]
            meta.source, meta.parse_mode, meta.reply_markup = p["text"], p.get("parse_mode"), markup
            meta.link_preview_options, meta.edits = p.get("link_preview_options"), meta.edits + 1
            return copy.deepcopy(msg)

    def _m_deleteMessage(self, p: JSON) -> bool:
        chat = self._chat(p)
        with self._cond:
            key = (chat["id"], int(p.get("message_id") or 0))
            if self._messages.pop(key, None) is None:
                raise _bad("message to delete not found")
            self._meta.pop(key, None)
        return True

    def _m_answerCallbackQuery(self, p: JSON) -> bool:
        with self._cond:
            if str(p.get("callback_query_id")) not in self._callbacks:  # each is answered once
                raise _bad("query is too old and response timeout expired or query ID is invalid")
            self._callbacks.discard(str(p["callback_query_id"]))
        return True

    def _m_sendChatAction(self, p: JSON) -> bool:
        self._chat(p)
        if p.get("action") not in _ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _commands_key(self, p: JSON) -> str:
        return json.dumps([p.get("scope") or {"type": "default"}, p.get("language_code") or ""])

    def _m_setMyCommands(self, p: JSON) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad(
                "BOT_COMMANDS_TOO_MUCH" if isinstance(commands, list) else "commands are empty"
            )
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        with self._cond:
            self._commands[self._commands_key(p)] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        return True

    def _m_getMyCommands(self, p: JSON) -> list[JSON]:
        with self._cond:
            return copy.deepcopy(self._commands.get(self._commands_key(p), []))

    def _m_deleteMyCommands(self, p: JSON) -> bool:
        with self._cond:
            self._commands.pop(self._commands_key(p), None)
        return True

    def _m_getFile(self, p: JSON) -> JSON:
        with self._cond:
            found = self._files.get(str(p.get("file_id")))
        if found is None:
            raise _bad("invalid file_id")
        unique, path, data = found
        if len(data) > MAX_DOWNLOAD:  # what the Bot API server answers past its 20 MB
            raise _bad("file is too big")
        return {
            "file_id": p["file_id"],
            "file_unique_id": unique,
            "file_size": len(data),
            "file_path": path,
        }

    # ------------------------------------------------------------------ inline mode
    def push_inline_query(
        self, user_id: int, query: str, *, offset: str = "", chat_type: str | None = "sender"
    ) -> int:
        """A user types ``@bot query`` in a chat (``chat_type`` as Telegram reports it: sender,
        private, group, supergroup, channel); returns the update_id.

        Telegram sends these only to bots with inline mode on (getMe here says it is off).
        ``answerInlineQuery`` is not implemented: a try is recorded and answered 404."""
        with self._cond:
            self._next_callback += 1
            inline: JSON = {"id": str(self._next_callback), "from": self._user(user_id)}
        inline.update(query=query, offset=offset)
        if chat_type is not None:
            inline["chat_type"] = chat_type
        return self.push_update({"inline_query": inline})


class _HangUp(Exception):
    """drop_next: close the connection without an answer (``applied``: after taking effect)."""

    def __init__(self, applied: bool = False) -> None:
        super().__init__()
        self.applied = applied


def _apply(handler: Callable[[JSON], Any], params: JSON, fault: _Fault | None) -> Any:
    if fault is not None and fault.drop and not fault.after:
        raise _HangUp
    if fault is not None and fault.status:
        raise _fault_error(fault)
    result = handler(params)
    if fault is not None and fault.drop:
        raise _HangUp(applied=True)
    return result


def _fault_error(fault: _Fault) -> ApiError:
    status = cast(int, fault.status)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    default = {403: "Forbidden: bot was blocked by the user", 409: CONFLICT_POLL}.get(
        status, phrase
    )
    if status == 429:
        default = f"Too Many Requests: retry after {fault.retry_after}"
    params = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
    return ApiError(status, fault.description or default, params)
