"""Loading an order's lines as the rules' plain values."""

from __future__ import annotations

from backorders.models import SalesOrder, SalesOrderLine
from backorders.resolvers import rules


def line_state(row: SalesOrderLine) -> rules.LineState:
    return rules.LineState(row.id, row.item_id, row.quoted, row.picked)


async def load_lines(order: SalesOrder) -> tuple[list[SalesOrderLine], list[rules.LineState]]:
    rows = await SalesOrderLine.filter(order_id=order.id).order_by("id")
    return rows, [line_state(row) for row in rows]
