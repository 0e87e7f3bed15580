"""Money: amounts with two decimals, line amounts and order totals."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from backorders.resolvers.rules.errors import DomainError, ErrorCode

MAX_MONEY = Decimal("1000000000")
CENT = Decimal("0.01")


def parse_money(value: Decimal | None, field: str, *, allow_zero: bool = True) -> Decimal | None:
    """Money is non-negative with at most two decimals; anything else is refused."""
    if value is None:
        return None
    try:
        if not value.is_finite():
            raise InvalidOperation
        quantized = value.quantize(CENT)
    except InvalidOperation:
        raise DomainError(ErrorCode.INVALID_INPUT, "Not a valid amount.", field) from None
    if value < 0:
        raise DomainError(ErrorCode.INVALID_INPUT, "The amount must not be negative.", field)
    if value == 0 and not allow_zero:
        raise DomainError(ErrorCode.INVALID_INPUT, "The amount must be more than zero.", field)
    # "1.100" is refused like "1.101": the caller wrote three decimals.
    exponent = value.as_tuple().exponent
    if quantized != value or (isinstance(exponent, int) and exponent < -2):
        raise DomainError(ErrorCode.INVALID_INPUT, "Use at most two decimals.", field)
    if value > MAX_MONEY:
        raise DomainError(ErrorCode.INVALID_INPUT, "The amount is too large.", field)
    return quantized.copy_abs()  # never negative here; turns "-0" into "0.00", not "-0.00"


def line_amount(quoted: int, unit_price: Decimal) -> Decimal:
    return (unit_price * quoted).quantize(CENT)


def order_total(line_amounts: Iterable[Decimal], charges: Iterable[Decimal]) -> Decimal:
    return (sum(line_amounts, Decimal(0)) + sum(charges, Decimal(0))).quantize(CENT)


def shipping_charge(value: Decimal | None, field: str) -> Decimal | None:
    """The split's Additional Shipping Charge; zero or absent adds no charge."""
    amount = parse_money(value, field)
    return amount if amount else None
