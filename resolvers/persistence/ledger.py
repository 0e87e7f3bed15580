"""The audit trail: stock movements and order status changes.

Written by the use cases inside their own transactions, so a change to stock
or status and its record commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence

from backorders.models import OrderStatusChange, StockMovement
from backorders.resolvers import rules

MAIN_LOCATION = "MAIN"


async def record_status(
    order_id: int,
    from_status: rules.OrderStatus | None,
    to_status: rules.OrderStatus,
    actor: str,
    reason: str,
) -> None:
    await OrderStatusChange.create(
        order_id=order_id, from_status=from_status, to_status=to_status, actor=actor, reason=reason
    )


async def record_receipt(item_id: int, quantity: int, actor: str, reference: str) -> None:
    await _record_item_change(item_id, quantity, rules.MovementReason.RECEIPT, actor, reference)


async def record_adjustment(item_id: int, quantity: int, actor: str, reference: str) -> None:
    await _record_item_change(item_id, quantity, rules.MovementReason.ADJUSTMENT, actor, reference)


async def record_picks(order_id: int, picks: Sequence[rules.Pick], actor: str) -> None:
    """Picked units leave stock: one negative movement per line."""
    await _record_line_changes(order_id, picks, -1, rules.MovementReason.PICK, actor)


async def record_returns(order_id: int, returns: Sequence[rules.Pick], actor: str) -> None:
    """Returned units come back: one positive movement per line."""
    await _record_line_changes(order_id, returns, 1, rules.MovementReason.PICK_RETURN, actor)


async def _record_item_change(
    item_id: int, quantity: int, reason: rules.MovementReason, actor: str, reference: str
) -> None:
    await StockMovement.create(
        item_id=item_id,
        location=MAIN_LOCATION,
        quantity=quantity,
        reason=reason,
        reference=reference,
        actor=actor,
    )


async def _record_line_changes(
    order_id: int,
    changes: Sequence[rules.Pick],
    sign: int,
    reason: rules.MovementReason,
    actor: str,
) -> None:
    await StockMovement.bulk_create(
        [
            StockMovement(
                item_id=change.item_id,
                location=MAIN_LOCATION,
                quantity=sign * change.quantity,
                reason=reason,
                order_id=order_id,
                line_id=change.line_id,
                actor=actor,
            )
            for change in changes
        ]
    )
