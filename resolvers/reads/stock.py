"""Reading stock positions: a batch of order lines' first-come in-stock shares."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from tortoise.expressions import F

from backorders.models import SalesItem, SalesOrderLine
from backorders.resolvers import rules


async def in_stock_by_line(lines: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Map (line id, item id) pairs to each line's in-stock quantity.

    Two queries for any number of lines: the items' stock on hand, and every
    open claim on those items (outstanding lines of open orders), which the
    pure rule walks in queue order.
    """
    wanted = list(lines)
    item_ids = sorted({item_id for _, item_id in wanted})
    if not item_ids:
        return {}
    on_hand = dict(await SalesItem.filter(id__in=item_ids).values_list("id", "on_hand"))
    rows = await SalesOrderLine.filter(
        item_id__in=item_ids,
        order__status__in=[status.value for status in rules.OPEN_STATUSES],
        quoted__gt=F("picked"),
    ).values_list("id", "item_id", "quoted", "picked", "order__root_number", "order__suffix")
    claims: dict[int, list[rules.Claim]] = defaultdict(list)
    for line_id, item_id, quoted, picked, root, suffix in rows:
        claims[item_id].append(rules.Claim(line_id, (root, suffix), quoted - picked))
    shares: dict[int, int] = {}
    for item_id in item_ids:
        shares.update(rules.in_stock_shares(on_hand.get(item_id, 0), claims[item_id]))
    return {line_id: shares.get(line_id, 0) for line_id, _ in wanted}
