"""receiveStock: goods in (a purchase-order receipt, a job receipted into stock)."""

from __future__ import annotations

from tortoise.expressions import F
from tortoise.timezone import now

from backorders.models import SalesItem
from backorders.resolvers import rules
from backorders.resolvers.persistence import ledger
from backorders.resolvers.persistence.transactions import transactional
from backorders.resolvers.rules.errors import DomainError, ErrorCode


@transactional
async def receive_stock(
    item_code: str,
    quantity: int,
    reference: str,
    actor: str,
    max_quantity: int = rules.MAX_LINE_QUANTITY,
) -> dict[str, int]:
    """One atomic, conditional increment: no lock needed, none lost, and on hand
    never beyond the 32-bit range (`on_hand <= max - q` cannot overflow).
    """
    rules.require_line_quantity(quantity, "quantity", max_quantity)
    item = await SalesItem.get_or_none(code=item_code)
    if item is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such sales item.", "item_code")
    changed = await SalesItem.filter(id=item.id, on_hand__lte=rules.INT32_MAX - quantity).update(
        on_hand=F("on_hand") + quantity, updated_at=now()
    )
    if changed == 0:
        raise rules.counter_overflow("quantity")
    await ledger.record_receipt(item.id, quantity, actor, reference)
    return {"sales_item": item.id}
