"""Domain errors: what a caller did wrong, as data.

Resolvers raise these; the schema layer turns them into `userErrors`. They
never carry a stock figure in their message, so no caller can learn one from
an error whatever its roles (the README's "Roles and the stock setting":
every stock-derived number is gated by the setting, error messages included).
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    INVALID_STATUS = "INVALID_STATUS"
    NOTHING_TO_SPLIT = "NOTHING_TO_SPLIT"
    INVALID_INPUT = "INVALID_INPUT"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"


class DomainError(Exception):
    """A request the rules refuse; the transaction rolls back and nothing changes."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"DomainError({self.code.value}, {self.message!r}, field={self.field!r})"


class Forbidden(Exception):
    """The caller's roles do not allow the operation (GraphQL error FORBIDDEN)."""
