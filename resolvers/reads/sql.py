"""Hand-written reads through Tortoise's connection: one SQL text, either database.

The read paths ask for exactly the columns they use and get plain tuples
back: no query building, no model instances, no parsing of columns nobody
asked for. The SQL is written once with `?` placeholders and `= ANY(?)` for a
list of ids; on PostgreSQL the placeholders become `$1, $2, ...` (and a list
stays an array), on SQLite a list travels as a JSON array read by
`json_each`. Either way one statement text serves any number of ids, so the
database's statement cache keeps hitting.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from tortoise import connections

from backorders.resolvers.persistence.transactions import CONNECTION

Row = Sequence[Any]
_ANY = re.compile(r"= ANY\(\?\)")


@cache
def _postgres(sql: str) -> str:
    count = 0

    def number(_: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"${count}"

    return re.sub(r"\?", number, sql)


@cache
def _sqlite(sql: str) -> str:
    return _ANY.sub("IN (SELECT value FROM json_each(?))", sql)


async def fetch(sql: str, *params: Any) -> list[Row]:
    client = connections.get(CONNECTION)
    if client.capabilities.dialect == "postgres":
        _, rows = await client.execute_query(_postgres(sql), list(params))
    else:
        values = [json.dumps(p) if isinstance(p, (list, tuple)) else p for p in params]
        _, rows = await client.execute_query(_sqlite(sql), values)
    return list(rows)


def decimal(value: Any) -> Decimal:
    """Money as stored: a Decimal on PostgreSQL, text on SQLite."""
    return value if isinstance(value, Decimal) else Decimal(value)


def timestamp(value: Any) -> datetime:
    """A timestamp as stored: aware on PostgreSQL, ISO text on SQLite (always UTC)."""
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
