"""adjustStock: correct stock on hand after a count (or for an opening balance)."""

from __future__ import annotations

from tortoise.expressions import F
from tortoise.timezone import now

from backorders.models import SalesItem
from backorders.resolvers import rules
from backorders.resolvers.persistence import ledger
from backorders.resolvers.persistence.transactions import transactional
from backorders.resolvers.rules.errors import DomainError, ErrorCode


@transactional
async def adjust_stock(
    item_code: str,
    quantity: int,
    reference: str,
    actor: str,
    max_quantity: int = rules.MAX_LINE_QUANTITY,
) -> dict[str, int]:
    """A conditional UPDATE (`on_hand + q >= 0`): a write-off racing a pick can
    never take on hand below zero; whichever comes second is refused. An
    addition is bounded the same way by the 32-bit range.
    """
    rules.require_adjustment(quantity, max_quantity)
    item = await SalesItem.get_or_none(code=item_code)
    if item is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such sales item.", "item_code")
    if quantity > 0:
        changed = await SalesItem.filter(
            id=item.id, on_hand__lte=rules.INT32_MAX - quantity
        ).update(on_hand=F("on_hand") + quantity, updated_at=now())
        if changed == 0:
            raise rules.counter_overflow("quantity")
    else:
        changed = await SalesItem.filter(id=item.id, on_hand__gte=-quantity).update(
            on_hand=F("on_hand") + quantity, updated_at=now()
        )
    if changed == 0:
        raise DomainError(
            ErrorCode.INSUFFICIENT_STOCK,
            "The adjustment would take stock on hand below zero.",
            "quantity",
        )
    await ledger.record_adjustment(item.id, quantity, actor, reference)
    return {"sales_item": item.id}
