"""Loading an order's lines as the rules' plain values."""

from __future__ import annotations

from models import SalesOrder, SalesOrderLine
from resolvers import rules


async def load_lines(order: SalesOrder) -> tuple[list[SalesOrderLine], list[rules.LineState]]:
    rows = await SalesOrderLine.filter(order_id=order.id).order_by("id")
    return rows, [rules.LineState(r.id, r.item_id, r.quoted, r.picked) for r in rows]
