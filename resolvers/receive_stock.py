"""receiveStock: goods in (a purchase-order receipt, a job receipted into stock)."""

from __future__ import annotations

from tortoise.expressions import F

from models import SalesItem
from resolvers import ledger, rules
from resolvers.errors import DomainError, ErrorCode

MAX_REFERENCE = 200


async def receive_stock(
    item_code: str, quantity: int, reference: str | None, actor: str
) -> dict[str, int]:
    """Must run inside a transaction. One atomic increment: no lock needed, none lost."""
    rules.require_line_quantity(quantity, "quantity")
    if reference is not None and len(reference) > MAX_REFERENCE:
        raise DomainError(ErrorCode.INVALID_INPUT, "The reference is too long.", "reference")
    item = await SalesItem.get_or_none(code=item_code.strip())
    if item is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such sales item.", "itemCode")
    await SalesItem.filter(id=item.id).update(on_hand=F("on_hand") + quantity)
    await ledger.record_receipt(item.id, quantity, actor, (reference or "").strip())
    return {"salesItem": item.id}
