"""Back-end settings stored in the database, read once per request."""

from __future__ import annotations

from backorders.models import Setting
from backorders.resolvers.rules.access import SETTING_DEFAULTS


async def current_settings() -> dict[str, str]:
    """Every known setting with its effective value (stored, else default)."""
    stored = dict(await Setting.filter(key__in=list(SETTING_DEFAULTS)).values_list("key", "value"))
    return {key: stored.get(key, default) for key, default in SETTING_DEFAULTS.items()}


async def setting_value(key: str) -> str:
    row = await Setting.get_or_none(key=key)
    return row.value if row is not None else SETTING_DEFAULTS[key]
