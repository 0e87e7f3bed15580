"""`backorders check`: load the figures the invariants compare (full scans: an operator's tool)."""

from __future__ import annotations

from collections import defaultdict

from backorders.enums import MovementReason
from backorders.models import SalesItem, SalesOrderLine, StockMovement
from backorders.resolvers.rules.invariants import (
    family_drifts,
    ledger_link_drifts,
    on_hand_drifts,
    pick_drifts,
    range_drifts,
    reserved_drifts,
)
from backorders.resolvers.rules.statuses import OPEN_STATUSES


async def find_drifts() -> list[str]:
    items = await SalesItem.all().values_list("id", "code", "on_hand", "reserved")
    codes = {row[0]: row[1] for row in items}
    on_hand = {row[0]: row[2] for row in items}
    reserved = {row[0]: row[3] for row in items}

    movement_totals: dict[int, int] = defaultdict(int)
    taken_by_line: dict[int, int] = defaultdict(int)
    line_movements: list[tuple[int, int, int | None]] = []
    for (
        movement_id,
        item_id,
        line_id,
        order_id,
        quantity,
        reason,
    ) in await StockMovement.all().values_list(
        "id", "item_id", "line_id", "order_id", "quantity", "reason"
    ):
        movement_totals[item_id] += quantity
        if line_id is not None:
            line_movements.append((movement_id, line_id, order_id))
        if line_id is not None and reason in (
            MovementReason.PICK,
            MovementReason.PICK_RETURN,
        ):
            taken_by_line[line_id] -= quantity

    outstanding: dict[int, int] = defaultdict(int)
    quoted: dict[tuple[int, int], int] = defaultdict(int)
    ordered: dict[tuple[int, int], int] = defaultdict(int)
    picked: dict[int, int] = {}
    over_picked: list[str] = []
    line_orders: dict[int, int] = {}
    open_statuses = {status.value for status in OPEN_STATUSES}
    for line_id, order_id, item_id, q, p, o, status, root in await SalesOrderLine.all().values_list(
        "id",
        "order_id",
        "item_id",
        "quoted",
        "picked",
        "ordered",
        "order__status",
        "order__root_number",
    ):
        line_orders[line_id] = order_id
        if status in open_statuses:
            outstanding[item_id] += q - p
        quoted[(root, item_id)] += q
        ordered[(root, item_id)] += o
        if p:
            picked[line_id] = p
        if p > q:
            over_picked.append(f"over-picked: line {line_id} picked {p} of {q}")

    return [
        *range_drifts(codes, on_hand, reserved),
        *on_hand_drifts(codes, on_hand, movement_totals),
        *reserved_drifts(codes, reserved, outstanding),
        *over_picked,
        *family_drifts(quoted, ordered, codes),
        *pick_drifts(picked, taken_by_line),
        *ledger_link_drifts(line_orders, line_movements),
    ]
