"""The one place mutations open transactions and take row locks.

Lock order, everywhere: an order family's root row, then the order itself,
then sales items in ascending id, then the order-number counter. Two
transactions that follow one order cannot deadlock on each other.
`select_for_update()` is a no-op on SQLite, where Tortoise serialises
transactions on the process's single connection; on PostgreSQL it is a real
row lock held until commit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient, TransactionContext
from tortoise.transactions import in_transaction as _in_transaction

from backorders.models import SalesOrder
from backorders.resolvers import rules
from backorders.resolvers.rules.errors import DomainError, ErrorCode

__all__ = ["in_transaction", "lock_order", "lock_family_root", "transactional"]
CONNECTION = "default"  # the service's pool ("health" is /healthz's own)
P = ParamSpec("P")
R = TypeVar("R")


def in_transaction() -> TransactionContext:
    return _in_transaction(CONNECTION)


def in_a_transaction() -> bool:
    return isinstance(connections.get(CONNECTION), TransactionalDBClient)


def transactional(use_case: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Mark a use case that must run inside its caller's transaction, and check that it does.

    Its locks, conditional updates and ledger rows are correct only together:
    outside a transaction each statement would commit alone.
    """

    @wraps(use_case)
    async def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        if not in_a_transaction():
            raise RuntimeError(f"{use_case.__qualname__} must run inside a transaction")
        return await use_case(*args, **kwargs)

    return checked


def order_not_found(field: str = "order_number") -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, "No such order.", field)


async def lock_order(number: str) -> SalesOrder:
    """Load an order under a row lock (inside the caller's transaction)."""
    if rules.parse_order_number(number) is None:
        raise order_not_found()
    order = await SalesOrder.filter(number=number).select_for_update().first()
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
