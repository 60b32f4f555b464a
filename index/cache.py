"""Where the models derived on this machine are kept (converted, exported, unpacked)."""

from __future__ import annotations

import os
from pathlib import Path


def model_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/briefing-bot/models`` (``~/.cache`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base) / "briefing-bot" / "models"
