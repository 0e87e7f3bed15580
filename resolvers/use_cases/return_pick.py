"""returnPick: put picked units back on the shelf; the line is outstanding again."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.expressions import F
from tortoise.timezone import now

from backorders.models import SalesItem, SalesOrder, SalesOrderLine
from backorders.resolvers import rules
from backorders.resolvers.persistence import ledger
from backorders.resolvers.persistence.order_lines import load_lines
from backorders.resolvers.persistence.transactions import lock_order, transactional


@transactional
async def return_pick(
    order_number: str, requests: Sequence[rules.PickRequest], actor: str
) -> dict[str, int]:
    """Locks the order like a pick does, so a return and a pick of the same line
    never interleave. The units go back on hand and, because the order is
    still open, back into its reservation: two atomic increments, bounded by
    the 32-bit range like every stock counter.
    """
    order = await lock_order(order_number)
    _, lines = await load_lines(order)
    returns = rules.plan_return(rules.OrderStatus(order.status), lines, requests)
    for back in returns:
        await SalesOrderLine.filter(id=back.line_id).update(picked=F("picked") - back.quantity)
    for item_id, quantity in rules.quantities_by_item(returns).items():
        changed = await SalesItem.filter(
            id=item_id,
            on_hand__lte=rules.INT32_MAX - quantity,
            reserved__lte=rules.INT32_MAX - quantity,
        ).update(
            on_hand=F("on_hand") + quantity, reserved=F("reserved") + quantity, updated_at=now()
        )
        if changed == 0:
            raise rules.counter_overflow("lines")
    await SalesOrder.filter(id=order.id).update(updated_at=now())
    await ledger.record_returns(order.id, returns, actor)
    return {"order": order.id}
