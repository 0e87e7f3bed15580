"""Per-request context: the caller, its data loaders, and its stock visibility."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from strawberry.dataloader import DataLoader

from backorders.resolvers.reads import queries
from backorders.resolvers.reads.rows import (
    ChargeRow,
    CustomerRow,
    ItemRow,
    LineRow,
    OrderRow,
    StatusChangeRow,
    Written,
)
from backorders.resolvers.reads.settings import setting_value
from backorders.resolvers.reads.stock import in_stock_by_line
from backorders.resolvers.rules.access import (
    ANONYMOUS,
    CAN_VIEW_AVAILABLE_QUANTITY,
    Principal,
    can_view_stock,
)


class Loaders:
    """One set per request, so nothing cached outlives the request; each made when first used."""

    @cached_property
    def item(self) -> DataLoader[int, ItemRow | None]:
        return DataLoader(load_fn=queries.items_by_id)

    @cached_property
    def customer(self) -> DataLoader[int, CustomerRow | None]:
        return DataLoader(load_fn=queries.customers_by_id)

    @cached_property
    def order(self) -> DataLoader[int, OrderRow | None]:
        return DataLoader(load_fn=queries.orders_by_id)

    @cached_property
    def lines(self) -> DataLoader[int, list[LineRow]]:
        return DataLoader(load_fn=queries.lines_by_order_id)

    @cached_property
    def charges(self) -> DataLoader[int, list[ChargeRow]]:
        return DataLoader(load_fn=queries.charges_by_order_id)

    @cached_property
    def backorders(self) -> DataLoader[int, list[OrderRow]]:
        return DataLoader(load_fn=queries.backorders_by_order_id)

    @cached_property
    def in_stock(self) -> DataLoader[tuple[int, int], int]:
        return DataLoader(load_fn=_in_stock_batch)

    @cached_property
    def history(self) -> DataLoader[int, list[StatusChangeRow]]:
        return DataLoader(load_fn=queries.history_by_order_id)

    def clear(self) -> None:
        """After a mutation commits, everything read before it is stale."""
        for loader in vars(self).values():
            loader.clear_all()

    def prime(self, written: Written) -> None:
        """What a mutation just wrote, as it was written: the response reads none of it back."""
        for order in written.orders:
            self.order.prime(order.id, order)
            self.lines.prime(
                order.id, [line for line in written.lines if line.order_id == order.id]
            )
            if written.charges is not None:
                charges = [charge for charge in written.charges if charge.order_id == order.id]
                self.charges.prime(order.id, charges)
        for line_id, item_id, share in written.in_stock:
            self.in_stock.prime((line_id, item_id), share)


async def _in_stock_batch(keys: list[tuple[int, int]]) -> list[int]:
    shares = await in_stock_by_line(keys)
    return [shares[line_id] for line_id, _ in keys]


@dataclass
class Context:
    principal: Principal = ANONYMOUS
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    loaders: Loaders = field(default_factory=Loaders)
    idempotency_ttl: timedelta = timedelta(hours=24)
    max_line_quantity: int = 1_000_000
    # Whether stock figures are shown in this response: read once, before
    # execution, when the document asks for any (`Executor.execute`). Every
    # object that carries a figure is built with it; False hides them all.
    stock_visible: bool = False
    # The field names selected below each field of the document, as
    # `schema.views.selected_below` finds them (once per field, not per row).
    selections: dict[tuple[int, ...], frozenset[str]] = field(default_factory=dict)
    # INSUFFICIENT_STOCK refusals answered in this request, when the caller is
    # outside the stock setting and such refusals have a budget (the HTTP
    # layer checks the budget before and counts these after).
    counts_stock_refusals: bool = False
    stock_refusals: int = 0
    _stock_visibility: asyncio.Task[bool] | None = None

    @cached_property
    def orders_by_number(self) -> DataLoader[str, OrderRow | None]:
        """Orders by number as this caller may see them (one query for every root field)."""
        principal = self.principal

        async def load(numbers: list[str]) -> list[OrderRow | None]:
            return await queries.orders_by_number(principal, numbers)

        return DataLoader(load_fn=load)

    async def can_view_stock(self) -> bool:
        """Read the setting once per request; a change applies from the next request.

        Every stock figure's permission check asks at once: they all await one
        read (not one query each), and resume together, so the loads their
        fields make next still batch.
        """
        if not self.principal.roles:
            return False
        if self._stock_visibility is None:
            self._stock_visibility = asyncio.ensure_future(self._read_can_view_stock())
        return await self._stock_visibility

    async def _read_can_view_stock(self) -> bool:
        value = await setting_value(CAN_VIEW_AVAILABLE_QUANTITY)
        return can_view_stock(self.principal.roles, value)
