"""adjustStock: correct stock on hand after a count (or for an opening balance)."""

from __future__ import annotations

from tortoise.expressions import F

from models import SalesItem
from resolvers import ledger, rules
from resolvers.errors import DomainError, ErrorCode

MAX_REFERENCE = 200


async def adjust_stock(
    item_code: str,
    quantity: int,
    reference: str | None,
    actor: str,
    max_quantity: int = rules.MAX_LINE_QUANTITY,
) -> dict[str, int]:
    """Must run inside a transaction.

    A conditional UPDATE (`on_hand + q >= 0`): a write-off racing a pick can
    never take on hand below zero; whichever comes second is refused. An
    addition is bounded the same way by the 32-bit range.
    """
    rules.require_adjustment(quantity, max_quantity)
    if reference is not None and len(reference) > MAX_REFERENCE:
        raise DomainError(ErrorCode.INVALID_INPUT, "The reference is too long.", "reference")
    item = await SalesItem.get_or_none(code=item_code.strip())
    if item is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such sales item.", "itemCode")
    if quantity > 0:
        changed = await SalesItem.filter(
            id=item.id, on_hand__lte=rules.INT32_MAX - quantity
        ).update(on_hand=F("on_hand") + quantity)
        if changed == 0:
            raise rules.counter_overflow("quantity")
    else:
        changed = await SalesItem.filter(id=item.id, on_hand__gte=-quantity).update(
            on_hand=F("on_hand") + quantity
        )
    if changed == 0:
        raise DomainError(
            ErrorCode.INSUFFICIENT_STOCK,
            "The adjustment would take stock on hand below zero.",
            "quantity",
        )
    await ledger.record_adjustment(item.id, quantity, actor, (reference or "").strip())
    return {"salesItem": item.id}
