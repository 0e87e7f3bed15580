"""GraphQL enums, taken from the pure rules so names cannot drift."""

from __future__ import annotations

import strawberry

from resolvers.errors import ErrorCode as _ErrorCode
from resolvers.rules import ChargeKind as _ChargeKind
from resolvers.rules import ChargeTo as _ChargeTo
from resolvers.rules import OrderStatus as _OrderStatus
from resolvers.rules import StockStatus as _StockStatus

OrderStatus = strawberry.enum(_OrderStatus, name="OrderStatus")
StockStatus = strawberry.enum(_StockStatus, name="StockStatus")
ChargeKind = strawberry.enum(_ChargeKind, name="ChargeKind")
ChargeTo = strawberry.enum(_ChargeTo, name="ChargeTo")
UserErrorCode = strawberry.enum(_ErrorCode, name="UserErrorCode")
