"""The audit trail: stock movements and order status changes.

Written by the use cases inside their own transactions, so a change to stock
or status and its record commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence

from models import OrderStatusChange, StockMovement
from resolvers import rules

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
    await StockMovement.create(
        item_id=item_id,
        location=MAIN_LOCATION,
        quantity=quantity,
        reason=rules.MovementReason.RECEIPT,
        reference=reference,
        actor=actor,
    )


async def record_picks(order_id: int, picks: Sequence[rules.Pick], actor: str) -> None:
    await StockMovement.bulk_create(
        [
            StockMovement(
                item_id=pick.item_id,
                location=MAIN_LOCATION,
                quantity=-pick.quantity,
                reason=rules.MovementReason.PICK,
                order_id=order_id,
                line_id=pick.line_id,
                actor=actor,
            )
            for pick in picks
        ]
    )


async def record_returns(order_id: int, returns: Sequence[rules.Pick], actor: str) -> None:
    await StockMovement.bulk_create(
        [
            StockMovement(
                item_id=back.item_id,
                location=MAIN_LOCATION,
                quantity=back.quantity,
                reason=rules.MovementReason.PICK_RETURN,
                order_id=order_id,
                line_id=back.line_id,
                actor=actor,
            )
            for back in returns
        ]
    )


async def record_adjustment(item_id: int, quantity: int, actor: str, reference: str) -> None:
    await StockMovement.create(
        item_id=item_id,
        location=MAIN_LOCATION,
        quantity=quantity,
        reason=rules.MovementReason.ADJUSTMENT,
        reference=reference,
        actor=actor,
    )
