"""Tortoise models: persistence, constraints and indexes only; no business rules."""

from backorders.models.catalog import Customer, SalesItem
from backorders.models.orders import (
    OrderCharge,
    OrderStatusChange,
    SalesOrder,
    SalesOrderLine,
    StockMovement,
)
from backorders.models.system import Counter, IdempotencyRecord, Setting

MODEL_MODULES = [
    "backorders.models.catalog",
    "backorders.models.orders",
    "backorders.models.system",
]

__all__ = [
    "MODEL_MODULES",
    "Counter",
    "Customer",
    "IdempotencyRecord",
    "OrderCharge",
    "OrderStatusChange",
    "SalesItem",
    "SalesOrder",
    "SalesOrderLine",
    "Setting",
    "StockMovement",
]
