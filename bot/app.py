"""The Telegram application: one function builds it and registers every handler."""

from __future__ import annotations

import asyncio
import html
import logging

from telegram import (
    BotCommand,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.adding import add_command, document_message, forwarded_post, remove_command
from bot.buttons import button
from bot.config import BotSettings
from bot.delivery import RetryingRateLimiter
from bot.digest import digest_command, schedule_digest
from bot.feedback import with_feedback
from bot.follows import (
    FOLLOW_CHECK_SECONDS,
    check_follows,
    follow_command,
    follow_job,
    following_command,
    unfollow_command,
)
from bot.heartbeat import HeartbeatRequest, clear_heartbeat
from bot.render import Rendered, render_answer, render_sources, skipped_lines
from bot.state import BotData, Context, service_of
from bot.timeline import timeline_command
from index.errors import BriefingError
from index.follows import FollowStore, follows_path
from index.service import BriefingService

logger = logging.getLogger(__name__)

COMMANDS = [
    BotCommand("start", "What this bot does, with example questions"),
    BotCommand("help", "How to ask"),
    BotCommand("ask", "Ask a question (in groups: /ask your question)"),
    BotCommand("timeline", "What the briefing says of a name or topic, by date"),
    BotCommand("digest", "The week's stories (or /digest today, all, a date)"),
    BotCommand("follow", "News of a name or topic after each update: /follow Lavrov"),
    BotCommand("following", "The topics this chat follows"),
    BotCommand("unfollow", "Stop news of a topic"),
    BotCommand("sources", "The articles in the briefing"),
    BotCommand("about", "The index: articles, passages, model, build time"),
    BotCommand("add", "Add an article: /add its text, or send a file or a post (admins)"),
    BotCommand("remove", "Take out an article added here (admins)"),
    BotCommand("reindex", "Rebuild the index from the articles (admins)"),
]


async def check_access(update: Update, context: Context) -> None:
    """Stops updates from users and chats outside ALLOWED_USER_IDS / ALLOWED_CHAT_IDS.

    Either list lets its members in; with both empty everyone is in. Admins always are.
    A stranger's new message in a private chat and a stranger's button press get one polite
    line; everything else from strangers (group messages, edits, inline queries) gets silence.
    """
    settings = context.bot_data.settings
    assert settings is not None
    user, chat = update.effective_user, update.effective_chat
    user_id = user.id if user is not None else None
    chat_id = chat.id if chat is not None else None
    if (
        not (settings.allowed_user_ids or settings.allowed_chat_ids)
        or user_id in settings.allowed_user_ids
        or user_id in settings.admin_user_ids
        or chat_id in settings.allowed_chat_ids
    ):
        return
    if update.callback_query:
        await update.callback_query.answer("Sorry, this bot is private.")
    elif chat is not None and chat.type == ChatType.PRIVATE and update.message is not None:
        await update.message.reply_text("Sorry, this bot is private.")
    raise ApplicationHandlerStop


async def start(update: Update, context: Context) -> None:
    """Says what the bot does, with three questions the briefing can answer, phrased in the
    user's language (as their Telegram app is set) where the bot speaks it."""
    user = update.effective_user
    language = (user.language_code if user is not None else None) or "en"
    questions = await service_of(context).example_questions(language)
    examples = "\n".join(f"• {html.escape(q)}" for q in questions)
    await _reply(
        update,
        "I answer questions about the news briefing with its own words and numbered "
        f"citations, whatever language the articles are in. Try:\n{examples}\n\n"
        "/sources lists the articles; /help says more.",
    )


async def help_command(update: Update, context: Context) -> None:
    """How to ask, in private and in groups."""
    await _reply(
        update,
        "Send a question, in any language, e.g. <i>What did Lavrov say?</i>\n"
        "I reply with the sentences of the briefing that answer it, numbered [1], [2] with "
        "their articles. Tap a number to read the passage in context (<b>Whole article</b> "
        "for the rest), a language code for the same story in another article, <b>More</b> "
        "for further passages, 👍 or 👎 to tell whether the answer was right.\n"
        "/timeline <i>name or topic</i> lists what the briefing says of it, by date; /digest "
        "its stories of the week (or today, all, a date).\n\n"
        "In groups, mention me, reply to me, or use /ask your question.\n"
        "/sources — the articles · /about — the index\n\n"
        "Admins add articles by sending a file (PDF, Word, web page, e-mail, feed, text) or "
        "forwarding a post, or with /add and the text; /remove takes one out.",
    )


async def sources(update: Update, context: Context) -> None:
    """Lists the articles of the briefing, a page at a time."""
    service = service_of(context)
    index = await service.reload_if_changed()
    await _send(update, render_sources(index, 1, service.stamp))


async def about(update: Update, context: Context) -> None:
    """What the index holds and when it was built; whether a newer one failed to load."""
    service, settings, user = service_of(context), context.bot_data.settings, update.effective_user
    assert settings is not None
    manifest = (await service.reload_if_changed()).manifest
    text = (
        f"<b>Articles</b> {manifest.articles} · <b>passages</b> {manifest.passages}\n"
        f"<b>Model</b> {html.escape(manifest.model)}\n"
        f"<b>Built</b> {html.escape(manifest.built_at)}"
    )
    problem = service.load_problem
    if problem is not None and user is not None and user.id in settings.admin_user_ids:
        text += f"\n<b>Not loaded</b> the newer index on disk: {html.escape(problem.reason)}"
    elif problem is not None:
        text += "\n<b>Note</b> a newer index could not be loaded; answers come from this one."
    await _reply(update, text)


async def ask(update: Update, context: Context) -> None:
    """``/ask question``: the way to ask in a group."""
    question = " ".join(context.args or []).strip()
    if not question:
        await _reply(update, "Send /ask followed by your question, e.g. /ask What did Lavrov say?")
        return
    await _answer(update, context, question)


async def text_message(update: Update, context: Context) -> None:
    """Any text in a private chat, or a mention of or reply to the bot in a group."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await _answer(update, context, _without_mention(message, context.bot.username))


async def not_text(update: Update, context: Context) -> None:
    """Stickers, photos, voice: a hint in private chats, silence in groups."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        await _reply(
            update, "I can only read questions written as text. What would you like to know?"
        )


async def reindex(update: Update, context: Context) -> None:
    """Rebuilds the index from the seeds folder (admins only) and swaps it in."""
    settings, user = context.bot_data.settings, update.effective_user
    assert settings is not None
    if user is None or user.id not in settings.admin_user_ids:
        await _reply(update, "Sorry, only the bot's admins can rebuild the index.")
        return
    service = service_of(context)
    if service.rebuilding:
        await _reply(
            update, "A rebuild is already running; I will use the new index when it is done."
        )
        return
    await _reply(update, "Rebuilding the index from the articles…")
    try:
        report = await service.rebuild()
    except BriefingError as error:
        built_at = html.escape(service.index.manifest.built_at)
        await _reply(
            update,
            f"The rebuild failed: {html.escape(str(error))}. "
            f"Still answering from the index built at {built_at}.",
        )
        return
    problem = service.load_problem
    if problem is None:
        await check_follows(context.application)
    if problem is not None:
        await _reply(
            update,
            f"The new index could not be loaded ({html.escape(problem.reason)}): still "
            f"answering from the index built at {html.escape(problem.serving_built_at)}.",
        )
        return
    count = len(report.skipped)
    skipped = f", {count} file{'s' if count != 1 else ''} skipped" if count else ""
    await _reply(
        update,
        f"Done: {report.articles} articles, {report.passages} passages{skipped}; "
        f"{report.embedded} passages embedded in {report.seconds:.1f} s. New questions use it now."
        + skipped_lines(report.skipped),
    )


async def _answer(update: Update, context: Context, question: str) -> None:
    """Answers ``question`` in the chat it came from; remembers the rest for "More"."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    service = service_of(context)
    answer = await service.answer(question)
    if answer.conversational:  # small talk, no words: nothing cited, nothing to mark
        await _reply(update, html.escape(answer.text))
        return
    key = context.bot_data.answers.remember(chat.id, answer)
    rendered = render_answer(answer, key, service.stamp)
    await _send(update, with_feedback(rendered, key, service.stamp))


def _mentions_of(message: Message, username: str) -> list[str]:
    """The ``@username`` mentions of this bot in the message, as written."""
    return [
        value
        for value in message.parse_entities([MessageEntity.MENTION]).values()
        if value.lstrip("@").lower() == username.lower()
    ]


def _without_mention(message: Message, username: str) -> str:
    text = message.text or ""
    for value in _mentions_of(message, username):
        text = text.replace(value, " ")
    return text


async def _reply(update: Update, text: str) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(text)


async def _send(update: Update, rendered: Rendered) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(rendered.text, reply_markup=rendered.keyboard)


async def on_error(update: object, context: Context) -> None:
    """Logs the exception; tells the user something went wrong, without details."""
    logger.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(
                "Sorry, something went wrong. Please try again."
            )
        except Exception:  # the reply itself failing is already logged above
            logger.warning("could not tell the user about the error")


def build_application(settings: BotSettings, service: BriefingService) -> Application:  # type: ignore[type-arg]
    """The bot: handlers, defaults (HTML, no previews, quoted replies), resent sends, commands."""
    assert settings.token is not None

    async def post_init(application: Application) -> None:  # type: ignore[type-arg]
        application.bot_data.settings = settings
        application.bot_data.service = service
        store = FollowStore(follows_path(settings.index.index_dir))
        application.bot_data.follows = store
        await application.bot.set_my_commands(COMMANDS)
        queue = application.job_queue
        assert queue is not None, "python-telegram-bot[job-queue] is a dependency"
        # The first check marks the index as checked; later ones find what rebuilds added.
        queue.run_repeating(follow_job, FOLLOW_CHECK_SECONDS, first=0, name="follows")
        try:
            subscriptions = await asyncio.to_thread(store.subscriptions)
        except BriefingError as error:  # the answers must not wait for the follows' file
            logger.error("scheduled digests not loaded: %s", error)
            subscriptions = []
        for subscription in subscriptions:
            schedule_digest(queue, subscription)

    async def post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
        await service.close()
        if settings.health_file is not None:
            clear_heartbeat(settings.health_file)

    builder = ApplicationBuilder()
    if settings.health_file is not None:
        builder = builder.get_updates_request(HeartbeatRequest(settings.health_file))
    application = (
        builder.token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .context_types(ContextTypes(bot_data=BotData))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                # Every reply quotes its question: answers to questions sent in a row can
                # arrive out of order, and a reply sent twice after a lost answer shows as such.
                do_quote=True,
                allow_sending_without_reply=True,  # a question deleted meanwhile still gets it
            )
        )
        .rate_limiter(RetryingRateLimiter(max_retries=5))
        .concurrent_updates(True)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.add_handler(TypeHandler(Update, check_access), group=-1)
    for name, callback in (
        ("start", start),
        ("help", help_command),
        ("sources", sources),
        ("about", about),
        ("ask", ask),
        ("timeline", timeline_command),
        ("digest", digest_command),
        ("follow", follow_command),
        ("following", following_command),
        ("unfollow", unfollow_command),
        ("reindex", reindex),
        ("add", add_command),
        ("remove", remove_command),
    ):
        # Not edits: an admin correcting a typo in "/reindex" must not rebuild a second time.
        application.add_handler(CommandHandler(name, callback, filters.UpdateType.MESSAGE))
    private_text = (
        filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE
    )
    group_text = (
        filters.ChatType.GROUPS
        & filters.TEXT
        & ~filters.COMMAND
        & filters.UpdateType.MESSAGE
        & (filters.Entity(MessageEntity.MENTION) | filters.REPLY)
    )
    message = filters.UpdateType.MESSAGE
    add_caption = filters.CaptionRegex(r"^/add(?:@\w+)?(?:\s|$)")
    documents = filters.Document.ALL & message & (filters.ChatType.PRIVATE | add_caption)
    application.add_handler(MessageHandler(documents, document_message))
    forwarded = (
        filters.ChatType.PRIVATE & filters.FORWARDED & message & (filters.TEXT | filters.CAPTION)
    )
    application.add_handler(MessageHandler(forwarded & ~filters.COMMAND, forwarded_post))
    application.add_handler(MessageHandler(private_text, text_message))
    application.add_handler(MessageHandler(group_text, _group_text))
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL, not_text
        )
    )
    application.add_handler(CallbackQueryHandler(button))
    application.add_error_handler(on_error)
    return application


async def _group_text(update: Update, context: Context) -> None:
    """In groups: answer mentions of this bot and replies to its messages, ignore the rest."""
    message = update.effective_message
    assert message is not None
    mentioned = bool(_mentions_of(message, context.bot.username))
    replied = (
        message.reply_to_message is not None
        and message.reply_to_message.from_user is not None
        and (message.reply_to_message.from_user.id == context.bot.id)
    )
    if mentioned or replied:
        await text_message(update, context)
