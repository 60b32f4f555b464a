from __future__ import annotations

import pytest

from bot.config import DEFAULT_API_BASE_URL, BotSettings
from index.errors import ConfigError

TOKEN = "123456789:AAEabcdefghijklmnopqrstuvwxyz012345"


def test_defaults() -> None:
    settings = BotSettings.from_env({})
    assert settings.token is None
    assert settings.api_base_url == DEFAULT_API_BASE_URL
    assert settings.allowed_user_ids == settings.allowed_chat_ids == frozenset()


def test_lists_and_urls() -> None:
    settings = BotSettings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot/",
            "ALLOWED_USER_IDS": "1, 2 3",
            "ALLOWED_CHAT_IDS": "-1001234567890",
            "ADMIN_USER_IDS": "7",
        }
    )
    assert settings.token == TOKEN
    assert settings.api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.allowed_user_ids == {1, 2, 3}
    assert settings.allowed_chat_ids == {-1001234567890}
    assert settings.admin_user_ids == {7}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN"),
        ({"ALLOWED_USER_IDS": "alice"}, "ALLOWED_USER_IDS"),
        ({"WEBHOOK_URL": "https://example.org/hook"}, "WEBHOOK_SECRET"),
        (
            {"WEBHOOK_URL": "https://x", "WEBHOOK_SECRET": "s", "WEBHOOK_PORT": "http"},
            "WEBHOOK_PORT",
        ),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL"),
        ({"WEBHOOK_URL": "http://bot.example.org/hook", "WEBHOOK_SECRET": "s"}, "WEBHOOK_URL"),
        ({"WEBHOOK_URL": "bot.example.org/hook", "WEBHOOK_SECRET": "s"}, "WEBHOOK_URL"),
        ({"WEBHOOK_URL": "https://", "WEBHOOK_SECRET": "s"}, "WEBHOOK_URL"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named) as raised:
        BotSettings.from_env(env)
    assert "e.g." in str(raised.value)
    assert TOKEN not in str(raised.value)


def test_a_webhook_needs_https() -> None:
    with pytest.raises(ConfigError) as raised:
        BotSettings.from_env({"WEBHOOK_URL": "http://bot.example.org/hook", "WEBHOOK_SECRET": "s"})
    assert str(raised.value) == (
        "WEBHOOK_URL='http://bot.example.org/hook' is not an https:// URL: Telegram sends "
        "updates only over HTTPS, e.g. WEBHOOK_URL=https://bot.example.org/telegram"
    )
    https = {"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": "s"}
    assert BotSettings.from_env(https).webhook_url == "https://bot.example.org/hook"
