"""Relay-style cursor pages: opaque cursors, `first` bounded."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Generic, TypeVar

from backorders.resolvers.rules.errors import DomainError, ErrorCode

DEFAULT_PAGE = 20
MAX_PAGE = 100
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    cursors: list[str]
    has_next_page: bool

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


def page_size(first: int | None) -> int:
    size = DEFAULT_PAGE if first is None else first
    if size < 0 or size > MAX_PAGE:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"`first` must be between 0 and {MAX_PAGE}.", "first"
        )
    return size


def encode_cursor(kind: str, value: str | int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode()


def decode_cursor(kind: str, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    prefix = f"{kind}:"
    # A decoded cursor is the caller's text too: no NUL (PostgreSQL's text has none).
    if not text.startswith(prefix) or "\x00" in text:
        raise DomainError(ErrorCode.INVALID_INPUT, "Not a valid cursor.", "after")
    return text[len(prefix) :]
