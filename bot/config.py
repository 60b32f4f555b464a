"""Settings of the bot, read from the environment in one place."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from index.config import IndexSettings, env_value
from index.errors import ConfigError

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_HEALTH_FILE = Path("var/briefing-bot.alive")
TELEGRAM_DOWNLOAD_LIMIT_MB = 20
"""The largest file Telegram's Bot API lets a bot download (getFile); a local Bot API server
(``TELEGRAM_API_BASE_URL``) has no such limit."""
_TOKEN = re.compile(r"^\d+:[\w-]{20,}$")


@dataclass(frozen=True, slots=True)
class BotSettings:
    """Everything ``briefing-bot`` needs besides the index settings.

    Attributes:
        token: ``TELEGRAM_BOT_TOKEN`` from @BotFather; None runs the terminal chat.
        api_base_url: ``TELEGRAM_API_BASE_URL``, a Bot API server ending in ``/bot``.
        allowed_user_ids: ``ALLOWED_USER_IDS``; empty lets everyone in.
        allowed_chat_ids: ``ALLOWED_CHAT_IDS``; empty lets every chat in.
        admin_user_ids: ``ADMIN_USER_IDS``, who may ``/reindex``.
        webhook_url: ``WEBHOOK_URL``; set, the bot takes updates by webhook, not polling.
        webhook_secret: ``WEBHOOK_SECRET``, required with a webhook.
        webhook_port: ``WEBHOOK_PORT`` the webhook listens on (default 8443).
        health_file: ``BRIEFING_HEALTH_FILE``, touched at every answered poll for
            ``briefing-bot health``; None keeps no heartbeat.
        max_upload_mb: ``BRIEFING_MAX_UPLOAD_MB``, the largest file an admin may send to be
            added (default 20, what Telegram lets a bot download).
        index: Seeds, index folder, model and log level.
    """

    token: str | None
    api_base_url: str = DEFAULT_API_BASE_URL
    allowed_user_ids: frozenset[int] = frozenset()
    allowed_chat_ids: frozenset[int] = frozenset()
    admin_user_ids: frozenset[int] = frozenset()
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_port: int = 8443
    health_file: Path | None = None
    max_upload_mb: float = TELEGRAM_DOWNLOAD_LIMIT_MB
    index: IndexSettings = field(default_factory=IndexSettings)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BotSettings:
        """Reads the settings; an empty variable counts as unset.

        Raises:
            ConfigError: A variable has a value that cannot work, named with a valid example.
        """
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            return env_value(env, name)

        token = get("TELEGRAM_BOT_TOKEN")
        if token is not None and not _TOKEN.match(token):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token: copy the whole token "
                "@BotFather gave, e.g. TELEGRAM_BOT_TOKEN=123456789:AAE..."
            )
        webhook_url = _webhook_url(get("WEBHOOK_URL"))
        webhook_secret = get("WEBHOOK_SECRET")
        if webhook_url and not webhook_secret:
            raise ConfigError(
                "WEBHOOK_URL is set but WEBHOOK_SECRET is not: set a secret of 1-256 letters, "
                "digits, _ or -, e.g. WEBHOOK_SECRET=$(openssl rand -hex 32)"
            )
        return cls(
            token=token,
            api_base_url=(get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL).rstrip("/"),
            allowed_user_ids=_ids(env, "ALLOWED_USER_IDS"),
            allowed_chat_ids=_ids(env, "ALLOWED_CHAT_IDS"),
            admin_user_ids=_ids(env, "ADMIN_USER_IDS"),
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            webhook_port=_port(get("WEBHOOK_PORT")),
            health_file=Path(get("BRIEFING_HEALTH_FILE") or DEFAULT_HEALTH_FILE).expanduser(),
            max_upload_mb=_megabytes(get("BRIEFING_MAX_UPLOAD_MB")),
            index=IndexSettings.from_env(env),
        )

    def chat_allowed(self, chat_id: int) -> bool:
        """Whether the bot may send to this chat unasked (news, digests): the allowlists let
        in the chat, or the private chat of a user they let in."""
        if not (self.allowed_user_ids or self.allowed_chat_ids):
            return True
        return chat_id in self.allowed_chat_ids or chat_id in (
            self.allowed_user_ids | self.admin_user_ids
        )

    @property
    def api_file_url(self) -> str:
        """Where files are downloaded from: ``…/file/bot`` beside the API's ``…/bot``."""
        base = self.api_base_url
        return base[: -len("bot")] + "file/bot" if base.endswith("/bot") else base + "/file/bot"

    @property
    def upload_limit_bytes(self) -> int:
        """The largest file an admin may add: ``max_upload_mb``, and no more than Telegram's
        own servers let a bot download."""
        limit = self.max_upload_mb
        if self.api_base_url == DEFAULT_API_BASE_URL:
            limit = min(limit, TELEGRAM_DOWNLOAD_LIMIT_MB)
        return int(limit * 1_000_000)


def _megabytes(value: str | None) -> float:
    if value is None:
        return TELEGRAM_DOWNLOAD_LIMIT_MB
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = -1.0
    if not 0 < megabytes <= 2000:
        raise ConfigError(
            f"BRIEFING_MAX_UPLOAD_MB={value!r} is not a size in megabytes between 0 and 2000: "
            "e.g. BRIEFING_MAX_UPLOAD_MB=20"
        )
    return megabytes


def _ids(env: Mapping[str, str], name: str) -> frozenset[int]:
    """A comma- or space-separated list of Telegram ids (chat ids may be negative)."""
    raw = env.get(name, "").replace(",", " ").split()
    try:
        return frozenset(int(item) for item in raw)
    except ValueError:
        raise ConfigError(
            f"{name}={env.get(name)!r} is not a list of numeric Telegram ids: "
            f"e.g. {name}=12345678,-1001234567890"
        ) from None


def _webhook_url(value: str | None) -> str | None:
    """The public URL Telegram posts updates to: it posts only to HTTPS."""
    if value is not None:
        parts = urlsplit(value)
        if parts.scheme.lower() != "https" or not parts.hostname:
            raise ConfigError(
                f"WEBHOOK_URL={value!r} is not an https:// URL: Telegram sends updates only over "
                "HTTPS, e.g. WEBHOOK_URL=https://bot.example.org/telegram"
            )
    return value


def _port(value: str | None) -> int:
    if value is None:
        return 8443
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ConfigError(f"WEBHOOK_PORT={value!r} is not a port: e.g. WEBHOOK_PORT=8443")
    return int(value)
