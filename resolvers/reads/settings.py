"""Back-end settings stored in the database, read once per request."""

from __future__ import annotations

from backorders.resolvers.persistence.sql import fetch
from backorders.resolvers.rules.access import SETTING_DEFAULTS


async def current_settings() -> dict[str, str]:
    """Every known setting with its effective value (stored, else default)."""
    rows = await fetch("SELECT key, value FROM setting WHERE key = ANY(?)", list(SETTING_DEFAULTS))
    stored = {key: value for key, value in rows}
    return {key: stored.get(key, default) for key, default in SETTING_DEFAULTS.items()}


async def setting_value(key: str) -> str:
    rows = await fetch("SELECT value FROM setting WHERE key = ?", key)
    return str(rows[0][0]) if rows else SETTING_DEFAULTS[key]
