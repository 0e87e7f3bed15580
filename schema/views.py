"""Orders as the response shows them, with what the query asks for fetched in one go.

An order's lines, charges, total, split flag, history and lines' in-stock
shares are plain attributes of `SalesOrderType`. Before the objects are built,
this module fetches, for all the orders at once (one batch per kind, through
the request's loaders), only what the field being resolved selects below it
(`selected_below`): a page of 20 orders with their lines and totals costs two
batched reads and no awaitable per order or line. Every `SalesOrderType` is
built here.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode
from strawberry import Info

from backorders.resolvers import rules
from backorders.resolvers.reads.rows import ChargeRow, LineRow, OrderRow, StatusChangeRow
from backorders.schema.context import Context
from backorders.schema.types import (
    OrderChargeType,
    OrderStatusChangeType,
    SalesItemType,
    SalesOrderLineType,
    SalesOrderType,
)

NEEDS_LINES = frozenset({"lines", "total", "canSplitRemaining"})
NEEDS_CHARGES = frozenset({"charges", "total"})


def selected_below(info: Info[Context, None]) -> frozenset[str]:
    """The names of the fields selected below the field being resolved, fragments included.

    Computed once per field of the document (resolving it for 50 orders asks 50 times).
    """
    raw = info._raw_info
    key = tuple(id(node) for node in raw.field_nodes)
    cache = info.context.selections
    if (names := cache.get(key)) is None:
        found: set[str] = set()
        pending = [node.selection_set for node in raw.field_nodes if node.selection_set]
        seen: set[str] = set()
        while pending:
            for selection in pending.pop().selections:
                if isinstance(selection, FieldNode):
                    found.add(selection.name.value)
                    if selection.selection_set is not None:
                        pending.append(selection.selection_set)
                elif isinstance(selection, InlineFragmentNode):
                    pending.append(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                    seen.add(selection.name.value)
                    if (fragment := raw.fragments.get(selection.name.value)) is not None:
                        pending.append(fragment.selection_set)
        names = cache[key] = frozenset(found)
    return names


async def orders(rows: Sequence[OrderRow], info: Info[Context, None]) -> list[SalesOrderType]:
    if not rows:
        return []
    context = info.context
    selected = selected_below(info)
    ids = [row.id for row in rows]
    lines: list[list[LineRow]] = [[] for _ in ids]
    charges: list[list[ChargeRow]] = [[] for _ in ids]
    history: list[list[StatusChangeRow] | None] = [None for _ in ids]
    in_stock: dict[int, int] = {}
    if not NEEDS_LINES.isdisjoint(selected):
        lines = await context.loaders.lines.load_many(ids)
    if not NEEDS_CHARGES.isdisjoint(selected):
        charges = await context.loaders.charges.load_many(ids)
    if context.stock_visible:
        if "history" in selected:
            history = list(await context.loaders.history.load_many(ids))
        if "inStockQuantity" in selected:
            keys = [(line.id, line.item_id) for order_lines in lines for line in order_lines]
            shares = await context.loaders.in_stock.load_many(keys)
            in_stock = {line_id: share for (line_id, _), share in zip(keys, shares, strict=True)}
    return [
        _order(row, order_lines, order_charges, order_history, in_stock, context)
        for row, order_lines, order_charges, order_history in zip(
            rows, lines, charges, history, strict=True
        )
    ]


async def order(row: OrderRow | None, info: Info[Context, None]) -> SalesOrderType | None:
    return None if row is None else (await orders([row], info))[0]


def _order(
    row: OrderRow,
    lines: list[LineRow],
    charges: list[ChargeRow],
    history: list[StatusChangeRow] | None,
    in_stock: dict[int, int],
    context: Context,
) -> SalesOrderType:
    visible = context.stock_visible
    states = [rules.LineState(line.id, line.item_id, line.quoted, line.picked) for line in lines]
    return SalesOrderType.of(
        row,
        lines=[
            SalesOrderLineType.of(
                line,
                SalesItemType.of(line.item, context),
                in_stock.get(line.id, 0) if visible else None,
            )
            for line in lines
        ],
        can_split_remaining=rules.can_split_remaining(row.status, states),
        charges=[OrderChargeType.of(charge) for charge in charges],
        total=_total(lines, charges),
        history=None if history is None else [OrderStatusChangeType.of(c) for c in history],
    )


def _total(lines: list[LineRow], charges: list[ChargeRow]) -> Decimal:
    return rules.order_total(
        (rules.line_amount(line.quoted, line.unit_price) for line in lines),
        (charge.amount for charge in charges),
    )
