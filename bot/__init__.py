"""The briefing bot: Telegram and terminal front ends over the ``index`` package."""
