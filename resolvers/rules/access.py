"""Who may do what, and who may see stock figures: pure policy, no I/O."""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from backorders.resolvers.rules.errors import DomainError, ErrorCode


class Role(enum.StrEnum):
    ADMINISTRATOR = "Administrator"
    SALES_ADMIN = "Sales Admin"
    SALES = "Sales"
    WAREHOUSE = "Warehouse"
    CUSTOMER = "Customer"


STAFF_ROLES = frozenset({Role.ADMINISTRATOR, Role.SALES_ADMIN, Role.SALES, Role.WAREHOUSE})
KNOWN_ROLE_NAMES = frozenset(role.value for role in Role)

# One entry per operation; the schema's permission classes read this table so
# the rule lives in one place, next to nothing else.
VIEW_CATALOG = STAFF_ROLES | {Role.CUSTOMER}
VIEW_ORDERS = STAFF_ROLES | {Role.CUSTOMER}
PLACE_ORDER = frozenset({Role.ADMINISTRATOR, Role.SALES, Role.CUSTOMER})
WORK_ORDERS = frozenset({Role.ADMINISTRATOR, Role.WAREHOUSE})  # pick, split, confirm
MANAGE_CATALOG = frozenset({Role.ADMINISTRATOR, Role.SALES_ADMIN})  # items, customers
VIEW_STOCK_LEDGER = STAFF_ROLES  # and, like every stock figure, the setting
ADJUST_STOCK = frozenset({Role.ADMINISTRATOR, Role.SALES_ADMIN, Role.WAREHOUSE})
RECEIVE_STOCK = frozenset({Role.ADMINISTRATOR, Role.SALES_ADMIN, Role.WAREHOUSE})
MANAGE_SETTINGS = frozenset({Role.ADMINISTRATOR})

CAN_VIEW_AVAILABLE_QUANTITY = "PrintIQ_Sales_CanViewAvailableQuantity"
SETTING_DEFAULTS: dict[str, str] = {
    CAN_VIEW_AVAILABLE_QUANTITY: "Administrator,Sales Admin,Sales,Warehouse",
}
MAX_SETTING_VALUE = 1000


@dataclass(frozen=True)
class Principal:
    """The caller, as its verified token describes it."""

    sub: str
    roles: frozenset[str] = field(default_factory=frozenset)
    customer_code: str | None = None

    @property
    def is_staff(self) -> bool:
        return any(role.value in self.roles for role in STAFF_ROLES)

    @property
    def is_customer_only(self) -> bool:
        """A Customer caller with no staff role sees only its own customer's orders."""
        return Role.CUSTOMER.value in self.roles and not self.is_staff

    @cached_property
    def key(self) -> str:
        """Who this is, whole: subject, roles and customer, as a short stable string.

        Two tokens that share a `sub` but differ in roles or customer are two
        principals: their idempotency keys and rate limits never mix.
        """
        identity = [self.sub, sorted(self.roles), self.customer_code]
        return hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:32]

    def has_any(self, allowed: Iterable[Role]) -> bool:
        return any(role.value in self.roles for role in allowed)


ANONYMOUS = Principal(sub="", roles=frozenset())


def parse_role_list(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def can_view_stock(roles: Iterable[str], setting_value: str) -> bool:
    allowed = parse_role_list(setting_value)
    return any(role in allowed for role in roles)


def validate_setting(key: str, value: str) -> str:
    """Settings are a closed set; a role list must name known roles (typos hide stock)."""
    if key not in SETTING_DEFAULTS:
        raise DomainError(ErrorCode.NOT_FOUND, f"There is no setting named {key!r}.", "key")
    if len(value) > MAX_SETTING_VALUE:
        raise DomainError(ErrorCode.INVALID_INPUT, "The value is too long.", "value")
    if key == CAN_VIEW_AVAILABLE_QUANTITY:
        roles = parse_role_list(value)
        unknown = sorted(roles - KNOWN_ROLE_NAMES)
        if unknown:
            raise DomainError(
                ErrorCode.INVALID_INPUT, f"Unknown role(s): {', '.join(unknown)}.", "value"
            )
        return ",".join(sorted(roles))
    return value
