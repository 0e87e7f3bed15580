"""GraphQL enums, taken from the pure rules so names cannot drift."""

from __future__ import annotations

import strawberry

from backorders.resolvers.rules import (
    ChargeKind,
    ChargeTo,
    MovementReason,
    OrderStatus,
    StockStatus,
)
from backorders.resolvers.rules.errors import ErrorCode

__all__ = [
    "ChargeKind",
    "ChargeTo",
    "MovementReason",
    "OrderStatus",
    "StockStatus",
    "UserErrorCode",
]

# `strawberry.enum` registers the GraphQL definition on the enum class and
# returns that same class, so each name below is the rules' own enum.
strawberry.enum(OrderStatus, name="OrderStatus")
strawberry.enum(StockStatus, name="StockStatus")
strawberry.enum(ChargeKind, name="ChargeKind")
strawberry.enum(ChargeTo, name="ChargeTo")
strawberry.enum(MovementReason, name="MovementReason")
strawberry.enum(ErrorCode, name="UserErrorCode")
UserErrorCode = ErrorCode
