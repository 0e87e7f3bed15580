"""What an order may ask for: its lines and their quantities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backorders.resolvers.rules.errors import DomainError, ErrorCode

MAX_LINE_QUANTITY = 1_000_000  # the default of BACKORDERS_MAX_LINE_QUANTITY
MAX_ORDER_LINES = 200


@dataclass(frozen=True)
class RequestedLine:
    item_code: str
    quantity: int


def validate_order_lines(
    lines: Sequence[RequestedLine], max_quantity: int = MAX_LINE_QUANTITY
) -> dict[str, int]:
    """Check the requested lines; return the total quantity per item code."""
    if not lines:
        raise DomainError(ErrorCode.INVALID_INPUT, "An order needs at least one line.", "lines")
    if len(lines) > MAX_ORDER_LINES:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"An order has at most {MAX_ORDER_LINES} lines.", "lines"
        )
    totals: dict[str, int] = {}
    for index, line in enumerate(lines):
        require_line_quantity(line.quantity, f"lines.{index}.quantity", max_quantity)
        if not line.item_code.strip():
            raise DomainError(
                ErrorCode.INVALID_INPUT, "An item code is required.", f"lines.{index}.item_code"
            )
        totals[line.item_code] = totals.get(line.item_code, 0) + line.quantity
    for code, total in totals.items():
        if total > max_quantity:
            raise DomainError(
                ErrorCode.INVALID_QUANTITY,
                f"At most {max_quantity} of item {code} can be ordered at once.",
                "lines",
            )
    return totals


def require_line_quantity(quantity: int, field: str, max_quantity: int = MAX_LINE_QUANTITY) -> None:
    if quantity <= 0 or quantity > max_quantity:
        raise DomainError(
            ErrorCode.INVALID_QUANTITY,
            f"Quantity must be between 1 and {max_quantity}.",
            field,
        )
