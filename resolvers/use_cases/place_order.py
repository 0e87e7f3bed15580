"""placeOrder: reserve stock first come, first served, and number the order."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.expressions import F, Q
from tortoise.timezone import now

from backorders.models import Counter, Customer, SalesItem, SalesOrder, SalesOrderLine
from backorders.resolvers import rules
from backorders.resolvers.persistence import ledger
from backorders.resolvers.persistence.transactions import transactional
from backorders.resolvers.rules.access import Principal
from backorders.resolvers.rules.errors import DomainError, ErrorCode, Forbidden

ORDER_NUMBER_COUNTER = "sales_order_number"


def resolve_customer_code(principal: Principal, customer_code: str | None) -> str:
    """A Customer orders only for the customer in its token; staff must name one."""
    if principal.is_customer_only:
        if customer_code is not None and customer_code != principal.customer_code:
            raise Forbidden("A customer may place orders only for itself.")
        assert principal.customer_code is not None  # guaranteed by token verification
        return principal.customer_code
    if not customer_code:
        raise DomainError(ErrorCode.INVALID_INPUT, "Name the customer.", "customer_code")
    return customer_code


async def next_order_number() -> int:
    """Advance the gapless order-number counter.

    The UPDATE row-locks the counter until commit, so numbers follow commit
    order and a rolled-back order leaves no gap. Taken last in placeOrder to
    keep the lock short.
    """
    await Counter.filter(name=ORDER_NUMBER_COUNTER).update(value=F("value") + 1)
    return int((await Counter.get(name=ORDER_NUMBER_COUNTER)).value)


@transactional
async def place_order(
    principal: Principal,
    customer_code: str | None,
    reference: str,
    lines: Sequence[rules.RequestedLine],
    max_quantity: int = rules.MAX_LINE_QUANTITY,
) -> dict[str, int]:
    code = resolve_customer_code(principal, customer_code)
    totals = rules.validate_order_lines(lines, max_quantity)
    customer = await Customer.get_or_none(code=code)
    if customer is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such customer.", "customer_code")
    # Lock the items (ascending id, the lock order) before reading them: the
    # price each line is quoted at and the stock checked below are those of
    # the rows this transaction holds, so a price changed meanwhile either
    # committed before (and is the one used) or waits for this order.
    locked = await SalesItem.filter(code__in=list(totals)).order_by("id").select_for_update()
    items = {item.code: item for item in locked}
    for index, line in enumerate(lines):
        if line.item_code not in items:
            raise DomainError(
                ErrorCode.NOT_FOUND, "No such sales item.", f"lines.{index}.item_code"
            )

    # Reserve with one conditional UPDATE per item, in id order. The WHERE
    # clause is rules.can_reserve evaluated by the database on the row it
    # locks, so two racing orders can never both take the last units of an
    # item without Allow Backorder; it also keeps `reserved` within the 32-bit
    # range (and with it `available`, as on hand is never negative). Each
    # comparison is written so that no arithmetic in it can overflow.
    #
    # Every other refusal comes before the first stock check: a refusal that
    # followed a passed stock check would tell a caller outside the stock
    # setting that there was enough, and only stock refusals are budgeted.
    for item in locked:
        if not rules.fits_counter(item.reserved + totals[item.code]):
            raise rules.counter_overflow(_quantity_field(lines, item.code))
    for item in locked:
        quantity = totals[item.code]
        if not rules.can_reserve(
            item.allow_backorder, rules.available(item.on_hand, item.reserved), quantity
        ):
            raise insufficient(lines, item.code)
        reserved = await SalesItem.filter(
            Q(allow_backorder=True) | Q(reserved__lte=F("on_hand") - quantity),
            id=item.id,
            reserved__lte=rules.INT32_MAX - quantity,
        ).update(reserved=F("reserved") + quantity, updated_at=now())
        if reserved == 0:
            raise insufficient(lines, item.code)

    root = await next_order_number()
    order = await SalesOrder.create(
        number=rules.format_order_number(root, 0),
        root_number=root,
        suffix=0,
        status=rules.OrderStatus.CONFIRMED,
        customer=customer,
        reference=reference,
    )
    await SalesOrderLine.bulk_create(
        [
            SalesOrderLine(
                order=order,
                item_id=items[line.item_code].id,
                quoted=line.quantity,
                ordered=line.quantity,
                unit_price=items[line.item_code].unit_price,
            )
            for line in lines
        ]
    )
    await ledger.record_status(order.id, None, rules.OrderStatus.CONFIRMED, principal.sub, "placed")
    return {"order": order.id}


def _quantity_field(lines: Sequence[rules.RequestedLine], item_code: str) -> str:
    index = next(i for i, line in enumerate(lines) if line.item_code == item_code)
    return f"lines.{index}.quantity"


def insufficient(lines: Sequence[rules.RequestedLine], item_code: str) -> DomainError:
    return DomainError(
        ErrorCode.INSUFFICIENT_STOCK,
        f"Item {item_code} does not allow backorders and not enough is available.",
        _quantity_field(lines, item_code),
    )
