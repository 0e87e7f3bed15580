"""Order numbers: `1001` for an order, `1001-001` for its backorders."""

from __future__ import annotations

import re

from backorders.resolvers.rules.errors import DomainError, ErrorCode
from backorders.resolvers.rules.stock import INT32_MAX

FIRST_ORDER_NUMBER = 1001
MAX_BACKORDER_SUFFIX = 999
_ORDER_NUMBER = re.compile(r"^(\d{1,12})(?:-(\d{3}))?$", re.ASCII)


def format_order_number(root: int, suffix: int) -> str:
    return str(root) if suffix == 0 else f"{root}-{suffix:03d}"


def parse_order_number(number: str) -> tuple[int, int] | None:
    """`1001` -> (1001, 0); `1001-002` -> (1001, 2); anything else -> None."""
    match = _ORDER_NUMBER.match(number.strip())
    if match is None or int(match.group(1)) > INT32_MAX:  # no order has such a number
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def next_backorder_suffix(last_suffix: int) -> int:
    """Every split in a family takes the family's next free suffix (never `-001-001`)."""
    suffix = last_suffix + 1
    if suffix > MAX_BACKORDER_SUFFIX:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "This order family has no backorder numbers left."
        )
    return suffix
