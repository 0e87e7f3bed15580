"""`Decimal` on the wire: money as a string with exactly two decimals."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import strawberry
from graphql import FloatValueNode, IntValueNode, StringValueNode, ValueNode
from strawberry.types.scalar import ScalarDefinition

from backorders.resolvers.rules import CENT

MAX_DECIMAL_CHARS = 40


def serialize_decimal(value: Decimal) -> str:
    return str(Decimal(value).quantize(CENT))


def parse_decimal(value: Any) -> Decimal:
    # Strings are exact; numbers are accepted through their text so that
    # 12.345 stays 12.345 and is refused by the rules, not silently rounded.
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError('Decimal must be a string such as "15.00".')
    if len(text := str(value)) > MAX_DECIMAL_CHARS:
        raise ValueError(f"Decimal must be at most {MAX_DECIMAL_CHARS} characters.")
    try:
        parsed = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number.") from None
    if not parsed.is_finite():
        raise ValueError("Decimal must be a finite number.")
    return parsed


def parse_decimal_literal(node: ValueNode, variables: Any = None) -> Decimal:
    if isinstance(node, (StringValueNode, IntValueNode, FloatValueNode)):
        return parse_decimal(node.value)
    raise ValueError('Decimal must be a string such as "15.00".')


DecimalScalar = strawberry.scalar(
    name="Decimal",
    description='Money: a decimal number as a string with two decimals, e.g. "15.00".',
    serialize=serialize_decimal,
    parse_value=parse_decimal,
    parse_literal=parse_decimal_literal,
)

SCALAR_MAP: Mapping[object, ScalarDefinition] = {Decimal: DecimalScalar}
