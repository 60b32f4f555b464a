"""Adding articles in Telegram (admins): a document, a forwarded post, a text after ``/add``;
and ``/remove``.

What is sent is read and checked before it is saved (``index.articles.uploads``): a file that
cannot be read, or that the briefing already holds, is refused with the reason and lands
nowhere. A saved file is indexed by an incremental rebuild while the old index answers.
"""

from __future__ import annotations

import html
import mimetypes
from typing import TYPE_CHECKING

from telegram import Document, Message, MessageOriginChannel, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest

from bot.config import TELEGRAM_DOWNLOAD_LIMIT_MB
from bot.follows import check_follows
from bot.state import service_of
from index.articles.readers.formats import format_name
from index.articles.uploads import UPLOAD_FOLDER, Added, added_files, post_name, post_text
from index.errors import ArticleNotFoundError, ArticleRejectedError, BriefingError

if TYPE_CHECKING:
    from bot.state import Context

MIN_PASTED_WORDS = 20
NOT_ADMIN = (
    "Sorry, only the bot's admins can add articles. To ask about something, send your "
    "question as text."
)
ADD_USAGE = (
    "Send /add followed by the article's text (its title on the first line), or reply /add to "
    "a document or a post. Admins can also send me a document (PDF, Word, web page, e-mail, "
    "feed, text) or forward a channel post, and I add it."
)
_SHOWN_FILES = 10


async def add_command(update: Update, context: Context) -> None:
    """``/add text``, or ``/add`` in reply to a document or a post: adds it (admins)."""
    message = update.effective_message
    assert message is not None
    if not await _is_admin(update, context):
        return
    target = message.reply_to_message
    pasted = (message.text or "").split(None, 1)[1:]
    if not pasted and target is not None and (target.document or target.text or target.caption):
        if target.document is not None:
            await _add_document(message, context, target.document)
        else:
            await _add_post(message, context, target)
        return
    text = pasted[0] if pasted else ""
    if len(text.split()) < MIN_PASTED_WORDS:
        await message.reply_text(ADD_USAGE)
        return
    name = post_name(text, message.date)
    await _add(message, context, name, post_text(text, date=message.date))


async def document_message(update: Update, context: Context) -> None:
    """A document sent in a private chat, or with ``/add`` as its caption: added (admins)."""
    message = update.effective_message
    assert message is not None and message.document is not None
    if await _is_admin(update, context):
        await _add_document(message, context, message.document)


async def forwarded_post(update: Update, context: Context) -> None:
    """A post forwarded in a private chat: added with its channel and date (admins)."""
    message = update.effective_message
    assert message is not None
    if await _is_admin(update, context):
        await _add_post(message, context, message)


async def remove_command(update: Update, context: Context) -> None:
    """``/remove telegram/file``: takes out an article added in Telegram (admins)."""
    message = update.effective_message
    assert message is not None
    if not await _is_admin(update, context, "Sorry, only the bot's admins can remove articles."):
        return
    service = service_of(context)
    wanted = " ".join(context.args or []).strip()
    if not wanted:
        files = added_files(list(service.index.articles.values()))
        listed = "\n".join(f"• <code>{html.escape(f)}</code>" for f in files[:_SHOWN_FILES])
        more = f"\n… and {len(files) - _SHOWN_FILES} more" if len(files) > _SHOWN_FILES else ""
        await message.reply_text(
            f"Send /remove followed by a file added in Telegram, e.g. /remove {UPLOAD_FOLDER}/"
            f"report.pdf. Added in Telegram:\n{listed}{more}"
            if files
            else "No article was added in Telegram; I can only remove those."
        )
        return
    try:
        removed = await service.remove(wanted)
    except ArticleNotFoundError as error:
        await message.reply_text(f"{html.escape(str(error))}. /sources lists the articles.")
        return
    except BriefingError as error:
        await message.reply_text(f"Could not remove it: {html.escape(str(error))}.")
        return
    titles = "; ".join(html.escape(a.title) for a in removed.articles) or "not indexed"
    await message.reply_text(
        f"Removed <code>{html.escape(removed.source)}</code> ({titles}): moved to "
        f"{UPLOAD_FOLDER}/.removed/ on the server. New questions no longer find it."
    )
    await check_follows(context.application)


async def _add_document(message: Message, context: Context, document: Document) -> None:
    settings = context.bot_data.settings
    assert settings is not None
    name = document.file_name or "document" + (
        mimetypes.guess_extension(document.mime_type or "") or ""
    )
    limit = settings.upload_limit_bytes
    if document.file_size is not None and document.file_size > limit:
        await message.reply_text(_too_big(name, document.file_size, limit))
        return
    try:
        file = await document.get_file()
        data = bytes(await file.download_as_bytearray())
    except BadRequest as error:
        if "too big" not in str(error).lower():
            raise
        telegram_limit = TELEGRAM_DOWNLOAD_LIMIT_MB * 1_000_000  # the server's, not ours
        await message.reply_text(_too_big(name, document.file_size, telegram_limit))
        return
    if len(data) > limit:
        await message.reply_text(_too_big(name, len(data), limit))
        return
    await _add(message, context, name, data)


async def _add_post(message: Message, context: Context, post: Message) -> None:
    text = post.text or post.caption or ""
    if not text.strip():
        await message.reply_text("That post has no text to add.")
        return
    origin = post.forward_origin
    date = origin.date if origin is not None else post.date
    source = link = username = None
    if isinstance(origin, MessageOriginChannel):
        source, username = origin.chat.title, origin.chat.username
        link = f"https://t.me/{username}/{origin.message_id}" if username else None
    name = post_name(text, date, username)
    await _add(message, context, name, post_text(text, date=date, source=source, link=link))


async def _add(message: Message, context: Context, name: str, data: bytes) -> None:
    """Adds ``data`` as the file ``name`` and replies with what the briefing gained."""
    service = service_of(context)
    shown = html.escape(name)
    await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING)
    await message.reply_text(f"Adding {shown}…")
    try:
        added = await service.add(name, data)
    except ArticleRejectedError as error:
        await message.reply_text(
            f"Not added: {shown} is {html.escape(str(error))}."
            if str(error).startswith("already")
            else f"Not added: {shown}: {html.escape(str(error))}."
        )
        return
    except BriefingError as error:
        built_at = html.escape(service.index.manifest.built_at)
        await message.reply_text(
            f"Could not add {shown}: {html.escape(str(error))}. Still answering from the index "
            f"built at {built_at}."
        )
        return
    await message.reply_text(_added_text(added, format_name(name, data)))
    await check_follows(context.application)


def _added_text(added: Added, kind: str) -> str:
    """What the briefing gained: title, language and passages of each article, how to undo."""
    source = html.escape(added.source)
    undo = f"To take it out: /remove {source}"
    if not added.articles:
        reasons = "; ".join(html.escape(skip.reason) for skip in added.skipped) or "no text"
        return f"Saved as <code>{source}</code>, but the rebuild skipped it: {reasons}. {undo}"
    lines = [
        f"• <b>{html.escape(a.title)}</b> ({a.language}"
        + (f", {html.escape(a.date)}" if a.date else "")
        + ")"
        for a in added.articles[:_SHOWN_FILES]
    ]
    if len(added.articles) > _SHOWN_FILES:
        lines.append(f"… and {len(added.articles) - _SHOWN_FILES} more")
    count = len(added.articles)
    what = f"{count} articles" if count > 1 else "the article"
    return (
        f"Added {what} of the {kind} as <code>{source}</code>, {added.passages} "
        f"passage{'s' if added.passages != 1 else ''}:\n"
        + "\n".join(lines)
        + f"\nNew questions find it now. {undo}"
    )


async def _is_admin(update: Update, context: Context, refusal: str = NOT_ADMIN) -> bool:
    """True for the bot's admins; anyone else is told politely that they can't."""
    settings, user = context.bot_data.settings, update.effective_user
    assert settings is not None
    if user is not None and user.id in settings.admin_user_ids:
        return True
    if update.effective_message is not None:
        await update.effective_message.reply_text(refusal)
    return False


def _too_big(name: str, size: int | None, limit: int) -> str:
    stated = f" is {size / 1e6:.1f} MB:" if size else " is"
    return (
        f"Not added: {html.escape(name)}{stated} over the {limit / 1e6:g} MB I can take "
        "(Telegram lets bots download at most 20 MB). Put it in the seeds folder on the server "
        "instead."
    )
