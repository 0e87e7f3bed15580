"""Hand-written SQL through Tortoise's connection: one SQL text, either database.

The read paths and the hot write paths ask for exactly the columns they use
and get plain tuples back: no query building, no model instances, no parsing
of columns nobody asked for. The SQL is written once with `?` placeholders,
`= ANY(?)` for a list of ids and `FOR UPDATE` where a row lock is taken; on
PostgreSQL the placeholders become `$1, $2, ...` (and a list stays an
array), on SQLite a list travels as a JSON array read by `json_each` and
`FOR UPDATE` goes (one connection, transactions already serialised). Either
way one statement text serves any number of ids, so the database's statement
cache keeps hitting. Run inside a transaction, a statement joins it.
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
_FOR_UPDATE = re.compile(r" FOR UPDATE( OF \w+)?")


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
    return _FOR_UPDATE.sub("", _ANY.sub("IN (SELECT value FROM json_each(?))", sql))


def _statement(sql: str, params: tuple[Any, ...]) -> tuple[Any, str, list[Any]]:
    client = connections.get(CONNECTION)
    if client.capabilities.dialect == "postgres":
        return client, _postgres(sql), list(params)
    values = [json.dumps(p) if isinstance(p, (list, tuple)) else p for p in params]
    return client, _sqlite(sql), values


async def fetch(sql: str, *params: Any) -> list[Row]:
    """The rows of a SELECT."""
    client, text, values = _statement(sql, params)
    _, rows = await client.execute_query(text, values)
    return list(rows)


async def execute(sql: str, *params: Any) -> int:
    """Run an INSERT, UPDATE or DELETE; how many rows it changed."""
    client, text, values = _statement(sql, params)
    changed, _ = await client.execute_query(text, values)
    return int(changed)


async def returning(sql: str, *params: Any) -> list[Row]:
    """The rows an INSERT or UPDATE ... RETURNING gives back."""
    client, text, values = _statement(sql, params)
    rows = await client.execute_query_dict(text, values)
    return [tuple(row.values()) for row in rows]


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
