"""The vocabulary every layer shares: order statuses, stock labels, charges, movements.

Plain `StrEnum`s with no imports: the models store them, the rules reason with
them, the schema publishes them as GraphQL enums. Migrations do not import
them; they freeze the values they need.
"""

from __future__ import annotations

import enum


class OrderStatus(enum.StrEnum):
    ON_HOLD = "ON_HOLD"
    CONFIRMED = "CONFIRMED"
    PAID = "PAID"
    ON_BACKORDER = "ON_BACKORDER"
    PICKED = "PICKED"
    PACKED = "PACKED"
    DISPATCHED = "DISPATCHED"
    INVOICED = "INVOICED"
    CANCELLED = "CANCELLED"


class StockStatus(enum.StrEnum):
    IN_STOCK = "IN_STOCK"
    ON_BACKORDER = "ON_BACKORDER"
    OUT_OF_STOCK = "OUT_OF_STOCK"


class ChargeKind(enum.StrEnum):
    ADDITIONAL_SHIPPING = "ADDITIONAL_SHIPPING"


class MovementReason(enum.StrEnum):
    RECEIPT = "RECEIPT"  # goods received: a purchase order, a job receipted into stock
    PICK = "PICK"  # taken off hand for an order line
    PICK_RETURN = "PICK_RETURN"  # a picked quantity put back
    ADJUSTMENT = "ADJUSTMENT"  # a count correction, an opening balance


class ChargeTo(enum.StrEnum):
    BACKORDER = "BACKORDER"
    ORIGINAL = "ORIGINAL"
