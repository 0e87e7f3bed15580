"""pickOrder: take stock off hand for an order's lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from backorders.resolvers import rules
from backorders.resolvers.persistence.idempotency import Outcome
from backorders.resolvers.persistence.ledger import MAIN_LOCATION
from backorders.resolvers.persistence.sql import execute, fetch
from backorders.resolvers.persistence.transactions import order_not_found, transactional
from backorders.resolvers.reads.queries import (
    ITEM,
    LINE,
    LINES,
    ORDER,
    ORDERS,
    item_row,
    line_row,
    order_row,
)
from backorders.resolvers.reads.rows import ItemRow, LineRow, OrderRow, Written
from backorders.resolvers.reads.stock import in_stock_by_line
from backorders.resolvers.rules.errors import DomainError, ErrorCode

# The order is locked alone (OF o): its customer's row is only read.
LOCK_ORDER = f"SELECT {ORDER} FROM {ORDERS} WHERE o.number = ? FOR UPDATE OF o"
MOVEMENTS = (
    "INSERT INTO stock_movement "
    "(item_id, location, quantity, reason, order_id, line_id, reference, actor, created_at)"
)
MOVEMENT_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"


@transactional
async def pick_order(
    order_number: str,
    requests: Sequence[rules.PickRequest] | None,
    complete_as: rules.OrderStatus,
    actor: str,
) -> Outcome:
    """The order row is locked for the whole pick, so two picks (or a pick and a
    split) of one order run one after the other and a line can never be picked
    past its quoted quantity. Stock itself is shared by many orders and is
    taken with a conditional UPDATE (`on_hand >= q`): whichever picker comes
    second finds too little and gets INSUFFICIENT_STOCK, never a negative.
    """
    rules.require_completion_status(complete_as, "complete_as")
    if rules.parse_order_number(order_number) is None:
        raise order_not_found()
    found = await fetch(LOCK_ORDER, order_number)
    if not found:
        raise order_not_found()
    order = order_row(found[0])
    rows = [
        line_row(r)
        for r in await fetch(
            f"SELECT {LINE} FROM {LINES} WHERE l.order_id = ? ORDER BY l.id", order.id
        )
    ]
    lines = [rules.LineState(row.id, row.item_id, row.quoted, row.picked) for row in rows]
    # Lock the items (ascending id, the lock order) before reading stock: the
    # in-stock shares are read after, and a pick of another order committing
    # in between let a later order's default pick take stock the queue gives
    # to an earlier order. Only the items of the lines being picked: a
    # one-line pick on a long order does not hold up pickers of its other items.
    named = None if requests is None else {request.line_id for request in requests}
    touched = [line for line in lines if named is None or line.line_id in named]
    locked = {
        item.id: item
        for item in map(
            item_row,
            await fetch(
                f"SELECT {ITEM} FROM sales_item i WHERE i.id = ANY(?) ORDER BY i.id FOR UPDATE",
                sorted({line.item_id for line in touched}),
            ),
        )
    }
    on_hand = {item_id: item.on_hand for item_id, item in locked.items()}
    # The first-come shares decide only default picks; explicit quantities need none.
    defaults = requests is None or any(request.quantity is None for request in requests)
    in_stock = (
        await in_stock_by_line(((line.line_id, line.item_id) for line in touched), on_hand)
        if defaults
        else {}
    )
    picks = rules.plan_pick(order.status, lines, requests, in_stock, on_hand)

    now = datetime.now(UTC)
    for item_id, quantity in rules.quantities_by_item(picks).items():
        taken = await execute(
            "UPDATE sales_item SET on_hand = on_hand - ?, reserved = reserved - ?, "
            "updated_at = ? WHERE id = ? AND on_hand >= ?",
            quantity,
            quantity,
            now,
            item_id,
            quantity,
        )
        if taken == 0:
            index = next(i for i, p in enumerate(picks) if p.item_id == item_id)
            raise DomainError(
                ErrorCode.INSUFFICIENT_STOCK,
                "Not enough of this line's item on hand to pick that quantity.",
                f"lines.{index}.quantity" if requests is not None else "lines",
            )
        item = locked[item_id]
        locked[item_id] = replace(
            item, on_hand=item.on_hand - quantity, reserved=item.reserved - quantity
        )
    for pick in picks:
        await execute(
            "UPDATE sales_order_line SET picked = picked + ? WHERE id = ?",
            pick.quantity,
            pick.line_id,
        )
    await execute(
        f"{MOVEMENTS} VALUES {', '.join([MOVEMENT_VALUES] * len(picks))}",
        *(
            value
            for pick in picks
            for value in (
                pick.item_id,
                MAIN_LOCATION,
                -pick.quantity,
                rules.MovementReason.PICK.value,
                order.id,
                pick.line_id,
                "",
                actor,
                now,
            )
        ),
    )
    after = rules.status_after_pick(order.status, rules.apply_picks(lines, picks), complete_as)
    await execute(
        "UPDATE sales_order SET status = ?, updated_at = ? WHERE id = ?", after.value, now, order.id
    )
    if after != order.status:
        await execute(
            "INSERT INTO order_status_change (order_id, from_status, to_status, actor, reason, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?)",
            order.id,
            order.status.value,
            after.value,
            actor,
            "pick completed",
            now,
        )
    return Outcome({"order": order.id}, _written(replace(order, status=after), rows, picks, locked))


def _written(
    order: OrderRow, rows: list[LineRow], picks: Sequence[rules.Pick], items: dict[int, ItemRow]
) -> Written:
    """The order and its lines as they are after the pick (shares are read if asked)."""
    taken = {pick.line_id: pick.quantity for pick in picks}
    lines = tuple(
        replace(
            row, picked=row.picked + taken.get(row.id, 0), item=items.get(row.item_id, row.item)
        )
        for row in rows
    )
    return Written(orders=(order,), lines=lines)
