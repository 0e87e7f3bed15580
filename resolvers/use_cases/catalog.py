"""createSalesItem, updateSalesItem, createCustomer: the catalogue, kept by Sales Admins.

Codes and names arrive clean (trimmed, in their format) from the schema's edge.
"""

from __future__ import annotations

from decimal import Decimal

from tortoise.exceptions import IntegrityError
from tortoise.timezone import now

from backorders.models import Customer, SalesItem
from backorders.resolvers.persistence.transactions import transactional
from backorders.resolvers.rules.errors import DomainError, ErrorCode


@transactional
async def create_sales_item(
    code: str, name: str, unit_price: Decimal, allow_backorder: bool
) -> dict[str, int]:
    if await SalesItem.exists(code=code):
        raise DomainError(ErrorCode.INVALID_INPUT, "An item with this code exists.", "code")
    try:
        item = await SalesItem.create(
            code=code, name=name, unit_price=unit_price, allow_backorder=allow_backorder
        )
    except IntegrityError:  # a concurrent create won the unique code
        raise DomainError(
            ErrorCode.INVALID_INPUT, "An item with this code exists.", "code"
        ) from None
    return {"sales_item": item.id}


@transactional
async def update_sales_item(
    code: str, name: str | None, unit_price: Decimal | None, allow_backorder: bool | None
) -> dict[str, int]:
    item = await SalesItem.get_or_none(code=code)
    if item is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such sales item.", "code")
    changes: dict[str, object] = {}
    if name is not None:
        changes["name"] = name
    if unit_price is not None:
        changes["unit_price"] = unit_price
    if allow_backorder is not None:
        changes["allow_backorder"] = allow_backorder
    if changes:
        # A partial UPDATE: stock columns are never written from a stale copy.
        await SalesItem.filter(id=item.id).update(**changes, updated_at=now())
    return {"sales_item": item.id}


@transactional
async def create_customer(code: str, name: str) -> dict[str, int]:
    if await Customer.exists(code=code):
        raise DomainError(ErrorCode.INVALID_INPUT, "A customer with this code exists.", "code")
    try:
        customer = await Customer.create(code=code, name=name)
    except IntegrityError:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "A customer with this code exists.", "code"
        ) from None
    return {"customer": customer.id}
