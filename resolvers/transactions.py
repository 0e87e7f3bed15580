"""The one place mutations open transactions and take row locks.

Lock order, everywhere: an order family's root row, then the order itself,
then sales items in ascending id, then the order-number counter. Two
transactions that follow one order cannot deadlock on each other.
`select_for_update()` is a no-op on SQLite, where Tortoise serialises
transactions on the process's single connection; on PostgreSQL it is a real
row lock held until commit.
"""

from __future__ import annotations

from tortoise.backends.base.client import TransactionContext
from tortoise.transactions import in_transaction as _in_transaction

from models import SalesOrder
from resolvers import rules
from resolvers.errors import DomainError, ErrorCode

__all__ = ["in_transaction", "lock_order", "lock_family_root"]


def in_transaction() -> TransactionContext:
    """A transaction on the service's connection ("health" is /healthz's own)."""
    return _in_transaction("default")


def order_not_found(field: str = "orderNumber") -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, "No such order.", field)


async def lock_order(number: str) -> SalesOrder:
    """Load an order under a row lock (inside the caller's transaction)."""
    if rules.parse_order_number(number) is None:
        raise order_not_found()
    order = await SalesOrder.filter(number=number.strip()).select_for_update().first()
    if order is None:
        raise order_not_found()
    return order


async def lock_family_root(number: str) -> SalesOrder:
    parsed = rules.parse_order_number(number)
    if parsed is None:
        raise order_not_found()
    root = await SalesOrder.filter(root_number=parsed[0], suffix=0).select_for_update().first()
    if root is None:
        raise order_not_found()
    return root
