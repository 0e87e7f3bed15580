"""Relay-style pages: the size bound and opaque cursors."""

from __future__ import annotations

import base64

import pytest

from backorders.resolvers.reads.pagination import Page, decode_cursor, encode_cursor, page_size
from backorders.resolvers.rules.errors import DomainError, ErrorCode


def test_page_size_defaults_to_20() -> None:
    assert page_size(None) == 20


@pytest.mark.parametrize("first", [0, 1, 20, 100])
def test_page_size_accepts_0_to_100(first: int) -> None:
    assert page_size(first) == first


@pytest.mark.parametrize("first", [101, 1000, -1, -20])
def test_page_size_over_100_or_negative_is_invalid_input(first: int) -> None:
    with pytest.raises(DomainError) as error:
        page_size(first)
    assert error.value.code is ErrorCode.INVALID_INPUT
    assert error.value.field == "first"


@pytest.mark.parametrize("value", [42, "42", "BC-STD", "code:with:colons", "ÄÖ ü/+=", ""])
def test_cursor_round_trips_its_value(value: str | int) -> None:
    cursor = encode_cursor("SalesItem", value)
    assert decode_cursor("SalesItem", cursor) == str(value)


def test_cursor_is_opaque_and_url_safe() -> None:
    cursor = encode_cursor("SalesItem", "BC-STD??>>")
    assert "BC-STD" not in cursor
    assert not set(cursor) & {"+", "/"}


def test_no_cursor_means_from_the_start() -> None:
    assert decode_cursor("SalesOrder", None) is None


def test_cursor_of_another_list_is_rejected() -> None:
    with pytest.raises(DomainError) as error:
        decode_cursor("SalesOrder", encode_cursor("SalesItem", "42"))
    assert error.value.code is ErrorCode.INVALID_INPUT
    assert error.value.field == "after"


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!",
        "not-base64",
        "ü",
        "SalesOrder:42",  # the plain text, not encoded
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),  # not UTF-8
        base64.urlsafe_b64encode(b"SalesOrders:42").decode(),  # a kind that merely starts alike
        base64.urlsafe_b64encode(b"salesorder:42").decode(),
    ],
)
def test_garbage_cursor_is_rejected(cursor: str) -> None:
    with pytest.raises(DomainError) as error:
        decode_cursor("SalesOrder", cursor)
    assert error.value.code is ErrorCode.INVALID_INPUT
    assert error.value.field == "after"


def test_page_end_cursor_is_the_last_rows_cursor() -> None:
    assert Page(rows=[1, 2], cursors=["a", "b"], has_next_page=True).end_cursor == "b"
    assert Page(rows=[], cursors=[], has_next_page=False).end_cursor is None
