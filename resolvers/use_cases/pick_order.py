"""pickOrder: take stock off hand for an order's lines."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.expressions import F
from tortoise.timezone import now

from backorders.models import SalesItem, SalesOrder, SalesOrderLine
from backorders.resolvers import rules
from backorders.resolvers.persistence import ledger
from backorders.resolvers.persistence.order_lines import load_lines
from backorders.resolvers.persistence.transactions import lock_order, transactional
from backorders.resolvers.reads.stock import in_stock_by_line
from backorders.resolvers.rules.errors import DomainError, ErrorCode


@transactional
async def pick_order(
    order_number: str,
    requests: Sequence[rules.PickRequest] | None,
    complete_as: rules.OrderStatus,
    actor: str,
) -> dict[str, int]:
    """The order row is locked for the whole pick, so two picks (or a pick and a
    split) of one order run one after the other and a line can never be picked
    past its quoted quantity. Stock itself is shared by many orders and is
    taken with a conditional UPDATE (`on_hand >= q`): whichever picker comes
    second finds too little and gets INSUFFICIENT_STOCK, never a negative.
    """
    rules.require_completion_status(complete_as, "complete_as")
    order = await lock_order(order_number)
    rows, lines = await load_lines(order)
    # Lock the items (ascending id, the lock order) before reading stock: the
    # in-stock shares are read in two statements, and a pick of another order
    # committing between them let a later order's default pick take stock the
    # queue gives to an earlier order.
    # Only the items of the lines being picked: a one-line pick on a long
    # order does not hold up pickers of the order's other items.
    named = None if requests is None else {request.line_id for request in requests}
    touched = [line for line in lines if named is None or line.line_id in named]
    items = (
        await SalesItem.filter(id__in={line.item_id for line in touched})
        .order_by("id")
        .select_for_update()
    )
    on_hand = {item.id: item.on_hand for item in items}
    in_stock = await in_stock_by_line(((line.line_id, line.item_id) for line in touched), on_hand)
    picks = rules.plan_pick(rules.OrderStatus(order.status), lines, requests, in_stock, on_hand)

    for item_id, quantity in rules.quantities_by_item(picks).items():
        taken = await SalesItem.filter(id=item_id, on_hand__gte=quantity).update(
            on_hand=F("on_hand") - quantity, reserved=F("reserved") - quantity, updated_at=now()
        )
        if taken == 0:
            index = next(i for i, p in enumerate(picks) if p.item_id == item_id)
            raise DomainError(
                ErrorCode.INSUFFICIENT_STOCK,
                "Not enough of this line's item on hand to pick that quantity.",
                f"lines.{index}.quantity" if requests is not None else "lines",
            )
    for pick in picks:
        await SalesOrderLine.filter(id=pick.line_id).update(picked=F("picked") + pick.quantity)
    await ledger.record_picks(order.id, picks, actor)

    status = rules.OrderStatus(order.status)
    after = rules.status_after_pick(status, rules.apply_picks(lines, picks), complete_as)
    await SalesOrder.filter(id=order.id).update(status=after, updated_at=now())
    if after != status:
        await ledger.record_status(order.id, status, after, actor, "pick completed")
    return {"order": order.id}
