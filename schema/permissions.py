"""Permissions declared on fields, as data: which roles may call an operation.

Stock figures are not a permission class per field: whether a response shows
them is decided once per request (`Context.stock_visible`) and the objects
are built with it (`schema.types`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from strawberry import Info
from strawberry.permission import BasePermission

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
