"""What the read paths return: plain, immutable rows with exactly the columns the API shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from backorders.enums import ChargeKind, MovementReason, OrderStatus


@dataclass(frozen=True, slots=True)
class CustomerRow:
    id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ItemRow:
    id: int
    code: str
    name: str
    unit_price: Decimal
    allow_backorder: bool
    on_hand: int
    reserved: int


@dataclass(frozen=True, slots=True)
class OrderRow:
    id: int
    number: str
    root_number: int
    suffix: int
    status: OrderStatus
    customer: CustomerRow  # read with the order: every order shows its customer
    reference: str
    backorder_of_id: int | None
    created_at: datetime

    @property
    def customer_id(self) -> int:
        return self.customer.id


@dataclass(frozen=True, slots=True)
class LineRow:
    id: int
    order_id: int
    item: ItemRow  # read with the line: a line is shown with its item
    quoted: int
    picked: int
    unit_price: Decimal

    @property
    def item_id(self) -> int:
        return self.item.id


@dataclass(frozen=True, slots=True)
class ChargeRow:
    order_id: int
    kind: ChargeKind
    description: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class StatusChangeRow:
    order_id: int
    from_status: OrderStatus | None
    to_status: OrderStatus
    actor: str
    reason: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MovementRow:
    id: int
    item_id: int
    location: str
    quantity: int
    reason: MovementReason
    order_id: int | None
    line_id: int | None
    reference: str
    actor: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Written:
    """Rows a use case holds once it has written them, as the response shows them.

    Handed to the response so that it need not read back what was just
    written: every line of each order, and the lines' in-stock shares where
    the use case knows them.
    """

    orders: tuple[OrderRow, ...] = ()
    lines: tuple[LineRow, ...] = ()
    charges: tuple[ChargeRow, ...] | None = None  # None: not known here, read if asked
    in_stock: tuple[tuple[int, int, int], ...] = ()  # (line id, item id, share)
