"""splitRemaining: close the picked part of an order, move the rest to a backorder."""

from __future__ import annotations

from decimal import Decimal

from tortoise.timezone import now

from backorders.models import OrderCharge, SalesOrder, SalesOrderLine, StockMovement
from backorders.resolvers import rules
from backorders.resolvers.persistence import ledger
from backorders.resolvers.persistence.order_lines import load_lines
from backorders.resolvers.persistence.transactions import (
    lock_family_root,
    lock_order,
    transactional,
)

SHIPPING_DESCRIPTION = "Additional shipping charge"


@transactional
async def split_remaining(
    order_number: str,
    target: rules.OrderStatus,
    additional_shipping_charge: Decimal | None,
    charge_to: rules.ChargeTo,
    actor: str,
) -> dict[str, int]:
    """Locks the family's root row (it holds the family's last suffix), then the
    order being split. Two splits of one order, or of two orders in one family,
    therefore run one after the other: the second sees the new status (and
    gets INVALID_STATUS) or the next free suffix. Stock does not change:
    outstanding quantities move from one open order to another, so the items'
    reservation counters stay as they are. A line moved whole to the
    backorder (nothing of it picked, or all of it returned) takes its ledger
    entries with it, so a movement's order is always its line's order.
    """
    rules.require_completion_status(target, "status")
    amount = additional_shipping_charge  # None: no charge (zero was made None at the edge)
    root = await lock_family_root(order_number)
    order = root if root.number == order_number else await lock_order(order_number)
    rows, lines = await load_lines(order)
    status = rules.OrderStatus(order.status)
    plan = rules.plan_split(status, lines, target)
    rules.require_transition(status, target)

    suffix = rules.next_backorder_suffix(root.last_backorder_suffix)
    await SalesOrder.filter(id=root.id).update(last_backorder_suffix=suffix, updated_at=now())
    backorder = await SalesOrder.create(
        number=rules.format_order_number(root.root_number, suffix),
        root_number=root.root_number,
        suffix=suffix,
        status=rules.OrderStatus.ON_BACKORDER,
        customer_id=order.customer_id,
        reference=order.reference,
        backorder_of_id=order.id,
    )
    prices = {row.id: row.unit_price for row in rows}
    for line in plan.reduce_to_picked:
        await SalesOrderLine.filter(id=line.line_id).update(quoted=line.quoted)
    if plan.move_whole:
        moved = [line.line_id for line in plan.move_whole]
        await SalesOrderLine.filter(id__in=moved).update(order_id=backorder.id)
        await StockMovement.filter(line_id__in=moved).update(order_id=backorder.id)
    await SalesOrderLine.bulk_create(
        [
            SalesOrderLine(
                order_id=backorder.id,
                item_id=line.item_id,
                quoted=line.quoted,
                unit_price=prices[line.line_id],
            )
            for line in plan.new_lines
        ]
    )
    await SalesOrder.filter(id=order.id).update(status=target, updated_at=now())
    await ledger.record_status(
        order.id, status, target, actor, f"split remaining into {backorder.number}"
    )
    await ledger.record_status(
        backorder.id, None, rules.OrderStatus.ON_BACKORDER, actor, f"split from {order.number}"
    )
    if amount is not None:
        charged = backorder.id if charge_to is rules.ChargeTo.BACKORDER else order.id
        await OrderCharge.create(
            order_id=charged,
            kind=rules.ChargeKind.ADDITIONAL_SHIPPING,
            description=SHIPPING_DESCRIPTION,
            amount=amount,
        )
    return {"order": order.id, "backorder": backorder.id}
