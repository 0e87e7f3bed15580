"""updateSetting: an Administrator changes a back-end setting; it applies from the next request."""

from __future__ import annotations

from backorders.models import Setting
from backorders.resolvers.persistence.transactions import transactional
from backorders.resolvers.rules.access import validate_setting


@transactional
async def update_setting(key: str, value: str) -> dict[str, str]:
    value = validate_setting(key, value)
    await Setting.update_or_create(defaults={"value": value}, key=key)
    return {"setting": key}
