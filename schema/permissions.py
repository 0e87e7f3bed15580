"""Permissions declared on fields, as data: which roles may call an operation, who sees stock."""

from __future__ import annotations

from functools import cache
from typing import Any

from strawberry import Info
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types.field import StrawberryField

from backorders.resolvers.rules.access import Role
from backorders.schema.context import Context


@cache
def allowed(roles: frozenset[Role]) -> type[BasePermission]:
    """The permission class for one set of roles (one class per set, shared by its fields).

    A caller none of whose roles is in the set gets FORBIDDEN. The sets live in
    `resolvers.rules.access`, one per operation, next to nothing else.
    """

    def has_permission(
        self: BasePermission, source: Any, info: Info[Context, None], **_: Any
    ) -> bool:
        return info.context.principal.has_any(roles)

    names = "_".join(sorted(role.name for role in roles))
    return type(
        f"Allowed_{names}",
        (BasePermission,),
        {
            "message": "You are not allowed to do this.",
            "error_extensions": {"code": "FORBIDDEN"},
            "has_permission": has_permission,
        },
    )


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
