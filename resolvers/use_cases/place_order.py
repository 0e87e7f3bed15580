"""placeOrder: reserve stock first come, first served, and number the order."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from backorders.resolvers import rules
from backorders.resolvers.persistence.idempotency import Outcome
from backorders.resolvers.persistence.sql import execute, fetch, returning
from backorders.resolvers.persistence.transactions import transactional
from backorders.resolvers.reads.queries import ITEM, item_row
from backorders.resolvers.reads.rows import CustomerRow, ItemRow, LineRow, OrderRow, Written
from backorders.resolvers.rules.access import Principal
from backorders.resolvers.rules.errors import DomainError, ErrorCode, Forbidden

ORDER_NUMBER_COUNTER = "sales_order_number"
NEXT_NUMBER = "UPDATE counter SET value = value + 1 WHERE name = ? RETURNING value"
PENDING_ATTEMPTS = 5


def resolve_customer_code(principal: Principal, customer_code: str | None) -> str:
    """A Customer orders only for the customer in its token; staff must name one."""
    if principal.is_customer_only:
        if customer_code is not None and customer_code != principal.customer_code:
            raise Forbidden("A customer may place orders only for itself.")
        assert principal.customer_code is not None  # guaranteed by token verification
        return principal.customer_code
    if not customer_code:
        raise DomainError(ErrorCode.INVALID_INPUT, "Name the customer.", "customer_code")
    return customer_code


async def next_order_number() -> int:
    """Advance the gapless order-number counter.

    The UPDATE row-locks the counter until commit, so numbers follow commit
    order and a rolled-back order leaves no gap. placeOrder takes it as its
    last statement but one, so the lock is held for that and the commit only.
    """
    [(value,)] = await returning(NEXT_NUMBER, ORDER_NUMBER_COUNTER)
    return int(value)


@transactional
async def place_order(
    principal: Principal,
    customer_code: str | None,
    reference: str,
    lines: Sequence[rules.RequestedLine],
    max_quantity: int = rules.MAX_LINE_QUANTITY,
) -> Outcome:
    """Reserve, write the order under a pending number, then number it.

    Lock order: the items (ascending id), then the counter, last and
    briefly. Every other order placed meanwhile waits on the counter only for
    this order's numbering UPDATE and its commit, not for its inserts.
    """
    code = resolve_customer_code(principal, customer_code)
    totals = rules.validate_order_lines(lines, max_quantity)
    found = await fetch("SELECT id, code, name FROM customer WHERE code = ?", code)
    if not found:
        raise DomainError(ErrorCode.NOT_FOUND, "No such customer.", "customer_code")
    customer = CustomerRow(*found[0])
    # Lock the items (ascending id, the lock order) before reading them: the
    # price each line is quoted at and the stock checked below are those of
    # the rows this transaction holds, so a price changed meanwhile either
    # committed before (and is the one used) or waits for this order.
    locked = [
        item_row(row)
        for row in await fetch(
            f"SELECT {ITEM} FROM sales_item i WHERE i.code = ANY(?) ORDER BY i.id FOR UPDATE",
            list(totals),
        )
    ]
    items = {item.code: item for item in locked}
    for index, line in enumerate(lines):
        if line.item_code not in items:
            raise DomainError(
                ErrorCode.NOT_FOUND, "No such sales item.", f"lines.{index}.item_code"
            )
    now = datetime.now(UTC)
    reserved = await _reserve(locked, totals, lines, now)
    order_id, placeholder = await _pending_order(customer.id, reference, now)
    written = await returning(
        "INSERT INTO sales_order_line (order_id, item_id, quoted, picked, ordered, unit_price) "
        f"VALUES {', '.join(['(?, ?, ?, 0, ?, ?)'] * len(lines))} RETURNING id",
        *(
            value
            for line in lines
            for value in (
                order_id,
                items[line.item_code].id,
                line.quantity,
                line.quantity,
                items[line.item_code].unit_price,
            )
        ),
    )
    await execute(
        "INSERT INTO order_status_change (order_id, from_status, to_status, actor, reason, "
        "created_at) VALUES (?, NULL, ?, ?, ?, ?)",
        order_id,
        rules.OrderStatus.CONFIRMED.value,
        principal.sub,
        "placed",
        now,
    )
    root = await next_order_number()
    number = rules.format_order_number(root, 0)
    await execute(
        "UPDATE sales_order SET number = ?, root_number = ? WHERE id = ? AND number = ?",
        number,
        root,
        order_id,
        placeholder,
    )
    line_ids = [row[0] for row in written]
    return Outcome(
        {"order": order_id},
        _written(
            OrderRow(
                order_id,
                number,
                root,
                0,
                rules.OrderStatus.CONFIRMED,
                customer,
                reference,
                None,
                now,
            ),
            lines,
            line_ids,
            reserved,
        ),
    )


async def _reserve(
    locked: list[ItemRow],
    totals: dict[str, int],
    lines: Sequence[rules.RequestedLine],
    now: datetime,
) -> dict[int, ItemRow]:
    """Reserve each item's total (rows already locked); the items as they are afterwards.

    One conditional UPDATE per item, in id order. The WHERE clause is
    rules.can_reserve evaluated by the database on the row it locks, so two
    racing orders can never both take the last units of an item without
    Allow Backorder; it also keeps `reserved` within the 32-bit range (and
    with it `available`, as on hand is never negative). Each comparison is
    written so that no arithmetic in it can overflow.

    Every other refusal comes before the first stock check: a refusal that
    followed a passed stock check would tell a caller outside the stock
    setting that there was enough, and only stock refusals are budgeted.
    """
    for item in locked:
        if not rules.fits_counter(item.reserved + totals[item.code]):
            raise rules.counter_overflow(_quantity_field(lines, item.code))
    after: dict[int, ItemRow] = {}
    for item in locked:
        quantity = totals[item.code]
        if not rules.can_reserve(
            item.allow_backorder, rules.available(item.on_hand, item.reserved), quantity
        ):
            raise insufficient(lines, item.code)
        changed = await execute(
            "UPDATE sales_item SET reserved = reserved + ?, updated_at = ? WHERE id = ? "
            "AND (allow_backorder OR reserved <= on_hand - ?) AND reserved <= ?",
            quantity,
            now,
            item.id,
            quantity,
            rules.INT32_MAX - quantity,
        )
        if changed == 0:
            raise insufficient(lines, item.code)
        after[item.id] = ItemRow(
            item.id,
            item.code,
            item.name,
            item.unit_price,
            item.allow_backorder,
            item.on_hand,
            item.reserved + quantity,
        )
    return after


async def _pending_order(customer_id: int, reference: str, now: datetime) -> tuple[int, str]:
    """Insert the order under a pending number, unique until the real one is taken."""
    for _ in range(PENDING_ATTEMPTS):
        placeholder = -secrets.randbelow(2**31 - 1) - 1
        number = f"pending{placeholder}"
        try:
            [(order_id,)] = await returning(
                "INSERT INTO sales_order (number, root_number, suffix, last_backorder_suffix, "
                "status, reference, created_at, updated_at, backorder_of_id, customer_id) "
                "VALUES (?, ?, 0, 0, ?, ?, ?, ?, NULL, ?) RETURNING id",
                number,
                placeholder,
                rules.OrderStatus.CONFIRMED.value,
                reference,
                now,
                now,
                customer_id,
            )
        except IntegrityError:  # the same random placeholder, pending at once: draw again
            continue
        return int(order_id), number
    raise RuntimeError("no free pending order number")


def _written(
    order: OrderRow,
    lines: Sequence[rules.RequestedLine],
    line_ids: list[int],
    items: dict[int, ItemRow],
) -> Written:
    """The order as the response shows it, and its lines' in-stock shares.

    The new order is last in the first-come queue (its number is the
    newest), so every open claim on an item is ahead of it: together they are
    the item's reservations before this order, and then this order's earlier
    lines of the same item.
    """
    rows = []
    shares = []
    ahead: dict[int, int] = {}
    for line, line_id in zip(lines, line_ids, strict=True):
        item = next(i for i in items.values() if i.code == line.item_code)
        rows.append(LineRow(line_id, order.id, item, line.quantity, 0, item.unit_price))
        if item.id not in ahead:
            ahead[item.id] = item.reserved - sum(
                other.quantity for other in lines if other.item_code == item.code
            )
        shares.append(
            (line_id, item.id, rules.in_stock_share(item.on_hand, ahead[item.id], line.quantity))
        )
        ahead[item.id] += line.quantity
    return Written(orders=(order,), lines=tuple(rows), charges=(), in_stock=tuple(shares))


def _quantity_field(lines: Sequence[rules.RequestedLine], item_code: str) -> str:
    index = next(i for i, line in enumerate(lines) if line.item_code == item_code)
    return f"lines.{index}.quantity"


def insufficient(lines: Sequence[rules.RequestedLine], item_code: str) -> DomainError:
    return DomainError(
        ErrorCode.INSUFFICIENT_STOCK,
        f"Item {item_code} does not allow backorders and not enough is available.",
        _quantity_field(lines, item_code),
    )
