"""Tortoise models: persistence, constraints and indexes only; no business rules."""

from models.catalog import Customer, SalesItem
from models.orders import (
    OrderCharge,
    OrderStatusChange,
    SalesOrder,
    SalesOrderLine,
    StockMovement,
)
from models.system import Counter, IdempotencyRecord, Setting

MODEL_MODULES = ["models.catalog", "models.orders", "models.system"]

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
