"""Sales items and customers: created and edited by Sales Admins."""

from __future__ import annotations

import re
from decimal import Decimal

from tortoise.exceptions import IntegrityError

from models import Customer, SalesItem
from resolvers import rules
from resolvers.errors import DomainError, ErrorCode

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_NAME = 200


def clean_code(code: str, field: str = "code") -> str:
    code = code.strip()
    if not _CODE.match(code):
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "A code has 1 to 64 letters, digits, '.', '_' or '-' "
            "and starts with a letter or digit.",
            field,
        )
    return code


def clean_name(name: str, field: str = "name") -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise DomainError(ErrorCode.INVALID_INPUT, f"A name has 1 to {MAX_NAME} characters.", field)
    return name


async def create_sales_item(
    code: str, name: str, unit_price: Decimal, allow_backorder: bool
) -> dict[str, int]:
    code, name = clean_code(code), clean_name(name)
    price = rules.parse_money(unit_price, "unitPrice")
    if await SalesItem.exists(code=code):
        raise DomainError(ErrorCode.INVALID_INPUT, "An item with this code exists.", "code")
    try:
        item = await SalesItem.create(
            code=code, name=name, unit_price=price, allow_backorder=allow_backorder
        )
    except IntegrityError:  # a concurrent create won the unique code
        raise DomainError(
            ErrorCode.INVALID_INPUT, "An item with this code exists.", "code"
        ) from None
    return {"salesItem": item.id}


async def update_sales_item(
    code: str, name: str | None, unit_price: Decimal | None, allow_backorder: bool | None
) -> dict[str, int]:
    item = await SalesItem.get_or_none(code=code.strip())
    if item is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such sales item.", "code")
    changes: dict[str, object] = {}
    if name is not None:
        changes["name"] = clean_name(name)
    if unit_price is not None:
        changes["unit_price"] = rules.parse_money(unit_price, "unitPrice")
    if allow_backorder is not None:
        changes["allow_backorder"] = allow_backorder
    if changes:
        # A partial UPDATE: stock columns are never written from a stale copy.
        await SalesItem.filter(id=item.id).update(**changes)
    return {"salesItem": item.id}


async def create_customer(code: str, name: str) -> dict[str, int]:
    code, name = clean_code(code), clean_name(name)
    if await Customer.exists(code=code):
        raise DomainError(ErrorCode.INVALID_INPUT, "A customer with this code exists.", "code")
    try:
        customer = await Customer.create(code=code, name=name)
    except IntegrityError:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "A customer with this code exists.", "code"
        ) from None
    return {"customer": customer.id}
