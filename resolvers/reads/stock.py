"""Reading stock positions: a batch of order lines' first-come in-stock shares."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from backorders.resolvers import rules
from backorders.resolvers.persistence.sql import fetch

OPEN = [status.value for status in rules.OPEN_STATUSES]


async def in_stock_by_line(
    lines: Iterable[tuple[int, int]], on_hand: Mapping[int, int] | None = None
) -> dict[int, int]:
    """Map (line id, item id) pairs to each line's in-stock quantity.

    One query for any number of lines: every open claim on the lines' items
    (outstanding lines of open orders) with the items' stock on hand, which
    the pure rule walks in queue order. A caller that holds the items' stock
    on hand (a pick, under its row locks) passes it in.
    """
    wanted = list(lines)
    item_ids = sorted({item_id for _, item_id in wanted})
    if not item_ids:
        return {}
    rows = await fetch(
        "SELECT l.id, l.item_id, l.quoted - l.picked, o.root_number, o.suffix, i.on_hand "
        "FROM sales_order_line l JOIN sales_order o ON o.id = l.order_id "
        "JOIN sales_item i ON i.id = l.item_id "
        "WHERE l.item_id = ANY(?) AND o.status = ANY(?) AND l.quoted > l.picked",
        item_ids,
        OPEN,
    )
    stock = dict(on_hand or {})
    claims: dict[int, list[rules.Claim]] = defaultdict(list)
    for line_id, item_id, outstanding, root, suffix, item_on_hand in rows:
        claims[item_id].append(rules.Claim(line_id, (root, suffix), outstanding))
        stock.setdefault(item_id, item_on_hand)
    shares: dict[int, int] = {}
    for item_id in item_ids:
        shares.update(rules.in_stock_shares(stock.get(item_id, 0), claims[item_id]))
    return {line_id: shares.get(line_id, 0) for line_id, _ in wanted}
