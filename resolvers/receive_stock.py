"""receiveStock: goods in (a purchase-order receipt, a job receipted into stock)."""

from __future__ import annotations

from tortoise.expressions import F

from models import SalesItem
from resolvers import ledger, rules
from resolvers.errors import DomainError, ErrorCode

MAX_REFERENCE = 200


async def receive_stock(
    item_code: str,
    quantity: int,
    reference: str | None,
    actor: str,
    max_quantity: int = rules.MAX_LINE_QUANTITY,
) -> dict[str, int]:
    """Must run inside a transaction.

    One atomic, conditional increment: no lock needed, none lost, and on hand
    never beyond the 32-bit range (`on_hand <= max - q` cannot overflow).
    """
    rules.require_line_quantity(quantity, "quantity", max_quantity)
    if reference is not None and len(reference) > MAX_REFERENCE:
        raise DomainError(ErrorCode.INVALID_INPUT, "The reference is too long.", "reference")
    item = await SalesItem.get_or_none(code=item_code.strip())
    if item is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such sales item.", "itemCode")
    changed = await SalesItem.filter(id=item.id, on_hand__lte=rules.INT32_MAX - quantity).update(
        on_hand=F("on_hand") + quantity
    )
    if changed == 0:
        raise rules.counter_overflow("quantity")
    await ledger.record_receipt(item.id, quantity, actor, (reference or "").strip())
    return {"salesItem": item.id}
