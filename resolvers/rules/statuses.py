"""Which status changes are legal, and which statuses mean what for stock and picking."""

from __future__ import annotations

from collections.abc import Mapping

from backorders.enums import OrderStatus
from backorders.resolvers.rules.errors import DomainError, ErrorCode

# Orders in these statuses hold a reservation for their outstanding quantities.
OPEN_STATUSES = frozenset(
    {OrderStatus.ON_HOLD, OrderStatus.CONFIRMED, OrderStatus.PAID, OrderStatus.ON_BACKORDER}
)
PICKABLE_STATUSES = frozenset({OrderStatus.CONFIRMED, OrderStatus.PAID})
COMPLETION_STATUSES = frozenset({OrderStatus.PICKED, OrderStatus.PACKED})

# The legal status changes. The order lifecycle beyond the backorder workflow
# (pay, hold, dispatch, invoice, cancel) will use the same table.
TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.ON_HOLD: frozenset(
        {OrderStatus.CONFIRMED, OrderStatus.PAID, OrderStatus.ON_BACKORDER, OrderStatus.CANCELLED}
    ),
    OrderStatus.CONFIRMED: frozenset(
        {
            OrderStatus.ON_HOLD,
            OrderStatus.PAID,
            OrderStatus.ON_BACKORDER,
            OrderStatus.PICKED,
            OrderStatus.PACKED,
            OrderStatus.CANCELLED,
        }
    ),
    OrderStatus.PAID: frozenset(
        {OrderStatus.ON_BACKORDER, OrderStatus.PICKED, OrderStatus.PACKED, OrderStatus.CANCELLED}
    ),
    OrderStatus.ON_BACKORDER: frozenset(
        {OrderStatus.CONFIRMED, OrderStatus.PAID, OrderStatus.CANCELLED}
    ),
    OrderStatus.PICKED: frozenset({OrderStatus.PACKED, OrderStatus.DISPATCHED}),
    OrderStatus.PACKED: frozenset({OrderStatus.DISPATCHED}),
    OrderStatus.DISPATCHED: frozenset({OrderStatus.INVOICED}),
    OrderStatus.INVOICED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    return target in TRANSITIONS[current]


def require_transition(current: OrderStatus, target: OrderStatus) -> None:
    if not can_transition(current, target):
        raise DomainError(
            ErrorCode.INVALID_STATUS,
            f"An order in status {current.value} cannot move to {target.value}.",
        )


def require_completion_status(status: OrderStatus, field: str) -> None:
    if status not in COMPLETION_STATUSES:
        raise DomainError(
            ErrorCode.INVALID_STATUS,
            f"{field} must be PICKED or PACKED, not {status.value}.",
            field,
        )
