"""Relay-style pages, one generic Connection[T] and Edge[T] for every list.

Strawberry names a specialisation after its node's GraphQL name, so
`Connection[SalesItemType]` is `SalesItemConnection` in the SDL, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import strawberry

from backorders.resolvers.reads.pagination import Page

T = TypeVar("T")
Row = TypeVar("Row")


@strawberry.type(name="PageInfo")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


def connection(page: Page[Row], node: Callable[[Row], T]) -> Connection[T]:
    """A page of rows as a connection, each row wrapped as its GraphQL type."""
    return Connection(
        edges=[
            Edge(cursor=cursor, node=node(row))
            for row, cursor in zip(page.rows, page.cursors, strict=True)
        ],
        page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
    )
