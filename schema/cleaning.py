"""Input as the rules expect it, made once at the edge: trimmed, in its format, parsed.

The input guard (`schema.input_guard`) has already refused strings that are too
long or not valid text. What is left here is shape: surrounding whitespace,
the format of a new code, a name that is not blank, money with two decimals,
line ids that are numbers. Errors name fields as the rules do (`item_code`);
`schema.errors.wire_path` turns that into the API's name (`itemCode`).
"""

from __future__ import annotations

import re
from decimal import Decimal

from backorders.resolvers import rules
from backorders.resolvers.persistence.idempotency import validate_key
from backorders.resolvers.rules.errors import DomainError, ErrorCode

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", re.ASCII)
MAX_NAME = 200
MAX_REFERENCE = 200


def new_code(value: str, field: str = "code") -> str:
    """The code of an item or customer being created: 1 to 64 of [A-Za-z0-9._-]."""
    code = value.strip()
    if not _CODE.fullmatch(code):
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "A code has 1 to 64 letters, digits, '.', '_' or '-' "
            "and starts with a letter or digit.",
            field,
        )
    return code


def name(value: str, field: str = "name") -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > MAX_NAME:
        raise DomainError(ErrorCode.INVALID_INPUT, f"A name has 1 to {MAX_NAME} characters.", field)
    return cleaned


def reference(value: str | None, field: str = "reference") -> str:
    cleaned = (value or "").strip()
    if len(cleaned) > MAX_REFERENCE:
        raise DomainError(ErrorCode.INVALID_INPUT, "The reference is too long.", field)
    return cleaned


def optional(value: str | None) -> str | None:
    """A name of something to look up; blank is as good as absent."""
    cleaned = (value or "").strip()
    return cleaned or None


def money(value: Decimal, field: str) -> Decimal:
    amount = rules.parse_money(value, field)
    assert amount is not None  # parse_money returns None only for None
    return amount


def line_id(value: str, field: str) -> int:
    if not (value.isascii() and value.isdigit()) or int(value) > rules.INT32_MAX:
        raise DomainError(ErrorCode.NOT_FOUND, "No such line on this order.", field)
    return int(value)


def idempotency_key(value: str | None) -> str | None:
    return None if value is None else validate_key(value)
