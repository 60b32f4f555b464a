"""The buttons under the bot's messages: passages in context, article pages, "More", sources,
and 👍/👎 (``bot.feedback``). Every press comes here and is read once (``bot.callbacks``)."""

from __future__ import annotations

import asyncio

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest

from bot.callbacks import Callback, parse_callback
from bot.digest import render_digest
from bot.feedback import STALE, record_verdict
from bot.reading import render_reading
from bot.render import Rendered, render_passage, render_results_page, render_sources
from bot.state import Context, service_of
from index.store.folder import StoredIndex

_UNKNOWN_BUTTON = "Sorry, I don't know that button."
_STALE = "The briefing was updated since this message: please ask again."


async def button(update: Update, context: Context) -> None:
    """A citation button shows its passage in context, "Whole article" pages through the
    article, "More" through further passages, 👍/👎 stores a verdict.

    Every press is answered: data this bot did not make, a passage the index lacks, or an
    answer remembered for another chat get a notice, never an error.
    """
    query = update.callback_query
    assert query is not None
    service = service_of(context)
    index = await service.reload_if_changed()
    pressed = parse_callback(query.data)
    if pressed is None or query.message is None:
        await query.answer(_UNKNOWN_BUTTON)
        return
    if pressed.stamp != service.stamp:
        stale = STALE if pressed.kind == "verdict" else _STALE
        await query.answer(stale, show_alert=True)
        return
    if pressed.kind == "verdict":
        await record_verdict(query, context, pressed)
        return
    chat_id = query.message.chat.id
    if pressed.kind in ("passage", "context", "article") and pressed.passage >= len(index.passages):
        await query.answer(_UNKNOWN_BUTTON)  # the stamp is right: the id is made up
        return
    if pressed.kind == "passage":
        await query.answer()
        await context.bot.send_message(chat_id, render_passage(index, pressed.passage))
        return
    if pressed.kind in ("context", "article"):
        await _show_reading(query, context, index, pressed)
        return
    if pressed.kind == "digest":
        user = query.from_user
        digest = await service.digest(pressed.period, (user.language_code or "en")[:2])
        if digest is None:
            await query.answer(_UNKNOWN_BUTTON)
            return
        page = render_digest(digest, pressed.page, pressed.stamp)
    elif pressed.kind == "sources":
        page = render_sources(index, pressed.page, pressed.stamp)
    else:
        remembered = context.bot_data.answers.recall(pressed.answer, chat_id)
        if remembered is None:
            await query.answer("This answer has expired: please ask again.", show_alert=True)
            return
        page = render_results_page(
            index, remembered.further, pressed.page, pressed.answer, pressed.stamp
        )
    await query.answer()
    await _edit_page(query.message, page)


async def _show_reading(
    query: CallbackQuery, context: Context, index: StoredIndex, pressed: Callback
) -> None:
    """A passage in context, as a new message, or a page of its article, in place."""
    assert query.message is not None
    chat_id = query.message.chat.id
    remembered = context.bot_data.answers.recall(pressed.answer, chat_id)
    # A forgotten answer still shows its passages, only without its sentences in bold.
    cited = remembered.cited if remembered is not None else None
    # Reading an article back scans the index and may read vectors: off the loop.
    rendered = await asyncio.to_thread(render_reading, index, pressed, cited)
    await query.answer()
    if pressed.kind == "context":
        await context.bot.send_message(chat_id, rendered.text, reply_markup=rendered.keyboard)
    else:
        await _edit_page(query.message, rendered)


async def _edit_page(message: object, rendered: Rendered) -> None:
    """Shows another page in the message; a second tap on the page shown is no error."""
    try:
        await edit(message, rendered)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


async def edit(message: object, rendered: Rendered) -> None:
    """Replaces a message of the bot's with ``rendered``."""
    if isinstance(message, Message):
        await message.edit_text(rendered.text, reply_markup=rendered.keyboard)
