"""Permissions declared on fields: who may call an operation, who may see stock."""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry import Info
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types.field import StrawberryField

from resolvers import access
from resolvers.access import Role
from schema.context import Context

FORBIDDEN = {"code": "FORBIDDEN"}


class _RolePermission(BasePermission):
    allowed: ClassVar[frozenset[Role]] = frozenset()
    message = "You are not allowed to do this."
    error_extensions = FORBIDDEN

    def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
        return info.context.principal.has_any(self.allowed)


class CanViewCatalog(_RolePermission):
    allowed = access.VIEW_CATALOG


class CanViewOrders(_RolePermission):
    allowed = access.VIEW_ORDERS


class CanPlaceOrders(_RolePermission):
    allowed = access.PLACE_ORDER


class CanWorkOrders(_RolePermission):
    allowed = access.WORK_ORDERS


class CanManageCatalog(_RolePermission):
    allowed = access.MANAGE_CATALOG


class CanViewStockLedger(_RolePermission):
    allowed = access.VIEW_STOCK_LEDGER


class CanAdjustStock(_RolePermission):
    allowed = access.ADJUST_STOCK


class CanReceiveStock(_RolePermission):
    allowed = access.RECEIVE_STOCK


class CanManageSettings(_RolePermission):
    allowed = access.MANAGE_SETTINGS


class CanViewStock(BasePermission):
    """`PrintIQ_Sales_CanViewAvailableQuantity`: callers outside it get null, not an error."""

    message = "Stock figures are not visible to your roles."

    async def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
        return bool(await info.context.can_view_stock())


class _NullUnlessStockVisible(PermissionExtension):
    """Silent failure as null, for lists too: `[]` would claim "there is nothing"."""

    def apply(self, field: StrawberryField) -> None:
        super().apply(field)
        self.return_empty_list = False


def stock_figure() -> list[FieldExtension]:
    """Field extensions for every stock-derived figure (the field must be nullable)."""
    return [
        _NullUnlessStockVisible(
            permissions=[CanViewStock()], fail_silently=True, use_directives=False
        )
    ]
