"""The backorder process as plain functions over plain values: no database, no GraphQL.

What can be ordered, a line's in-stock share, the default pick, what a split
moves, which status changes are legal, how backorders are numbered, money.
Use cases load rows, call these, and write the outcome in one transaction;
`tests/unit` exercises them directly. `access` (who may do what) and
`invariants` (what `backorders check` compares) are pure too. The shared
enums are re-exported here, so `rules.OrderStatus` reads as the rules speak.
"""

from __future__ import annotations

from backorders.enums import ChargeKind, ChargeTo, MovementReason, OrderStatus, StockStatus
from backorders.resolvers.rules.money import (
    CENT,
    MAX_MONEY,
    line_amount,
    order_total,
    parse_money,
    shipping_charge,
)
from backorders.resolvers.rules.numbering import (
    FIRST_ORDER_NUMBER,
    MAX_BACKORDER_SUFFIX,
    format_order_number,
    next_backorder_suffix,
    parse_order_number,
)
from backorders.resolvers.rules.ordering import (
    MAX_LINE_QUANTITY,
    MAX_ORDER_LINES,
    RequestedLine,
    require_line_quantity,
    validate_order_lines,
)
from backorders.resolvers.rules.picking import (
    LineState,
    Pick,
    PickRequest,
    apply_picks,
    default_pick_quantity,
    named_lines,
    plan_pick,
    plan_return,
    quantities_by_item,
    require_adjustment,
    require_pickable,
    status_after_pick,
)
from backorders.resolvers.rules.splitting import (
    SplitPlan,
    can_split_remaining,
    plan_split,
)
from backorders.resolvers.rules.statuses import (
    COMPLETION_STATUSES,
    OPEN_STATUSES,
    PICKABLE_STATUSES,
    TRANSITIONS,
    can_transition,
    require_completion_status,
    require_transition,
)
from backorders.resolvers.rules.stock import (
    INT32_MAX,
    INT32_MIN,
    Claim,
    available,
    can_reserve,
    counter_overflow,
    fits_counter,
    in_stock_share,
    in_stock_shares,
    stock_status,
)

__all__ = [
    "CENT",
    "COMPLETION_STATUSES",
    "ChargeKind",
    "ChargeTo",
    "Claim",
    "FIRST_ORDER_NUMBER",
    "INT32_MAX",
    "INT32_MIN",
    "LineState",
    "MAX_BACKORDER_SUFFIX",
    "MAX_LINE_QUANTITY",
    "MAX_MONEY",
    "MAX_ORDER_LINES",
    "MovementReason",
    "OPEN_STATUSES",
    "OrderStatus",
    "PICKABLE_STATUSES",
    "Pick",
    "PickRequest",
    "RequestedLine",
    "SplitPlan",
    "StockStatus",
    "TRANSITIONS",
    "apply_picks",
    "available",
    "can_reserve",
    "can_split_remaining",
    "can_transition",
    "counter_overflow",
    "default_pick_quantity",
    "fits_counter",
    "format_order_number",
    "in_stock_share",
    "in_stock_shares",
    "line_amount",
    "named_lines",
    "next_backorder_suffix",
    "order_total",
    "parse_money",
    "shipping_charge",
    "parse_order_number",
    "plan_pick",
    "plan_return",
    "plan_split",
    "quantities_by_item",
    "require_adjustment",
    "require_completion_status",
    "require_line_quantity",
    "require_pickable",
    "require_transition",
    "status_after_pick",
    "stock_status",
    "validate_order_lines",
]
