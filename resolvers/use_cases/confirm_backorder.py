"""confirmBackorder: put a backorder back into the pick & pack workflow."""

from __future__ import annotations

from tortoise.timezone import now

from backorders.models import SalesOrder
from backorders.resolvers import rules
from backorders.resolvers.persistence import ledger
from backorders.resolvers.persistence.transactions import order_not_found, transactional
from backorders.resolvers.rules.errors import DomainError, ErrorCode


@transactional
async def confirm_backorder(order_number: str, actor: str) -> dict[str, int]:
    """A single conditional UPDATE (`WHERE status = 'ON_BACKORDER'`) is the whole
    state change, so two confirms racing each other make exactly one
    transition; the loser sees zero rows and reports INVALID_STATUS. Stock is
    not touched: the backorder was already reserving its quantities.
    """
    order = await SalesOrder.get_or_none(number=order_number)
    if order is None:
        raise order_not_found()
    status = rules.OrderStatus(order.status)
    if status is not rules.OrderStatus.ON_BACKORDER:
        raise DomainError(
            ErrorCode.INVALID_STATUS,
            f"Only ON_BACKORDER orders can be confirmed; this one is {status.value}.",
        )
    rules.require_transition(status, rules.OrderStatus.CONFIRMED)
    changed = await SalesOrder.filter(id=order.id, status=rules.OrderStatus.ON_BACKORDER).update(
        status=rules.OrderStatus.CONFIRMED, updated_at=now()
    )
    if changed == 0:
        raise DomainError(ErrorCode.INVALID_STATUS, "This backorder was confirmed meanwhile.")
    await ledger.record_status(
        order.id, status, rules.OrderStatus.CONFIRMED, actor, "confirmed by hand"
    )
    return {"order": order.id}
