"""A Tortoise SQLite engine that runs statements on the event loop's thread.

Tortoise's SQLite client talks to aiosqlite, which sends every statement to a
worker thread and wakes the loop when it is done: about 0.1 ms of CPU per
statement for the hop alone, ten times an indexed read or a one-row UPDATE of
a local file (measured on this service's statements). A `placeOrder` runs a
dozen statements, so the hops were a third of its cost on SQLite.

This engine keeps Tortoise's client, transactions and lock unchanged and
swaps aiosqlite's connection for `InlineConnection`, which has the same
coroutine interface but runs each statement directly. Only COMMIT goes to a
thread: it waits for the disk (fsync of the write-ahead log), and the loop
keeps serving meanwhile. Tortoise's client lock is held from BEGIN to the end
of COMMIT, so the connection is never used from two threads at once.

Blocking the loop for a statement is the right trade for what SQLite serves
here (one process, a local file, indexed statements of microseconds); the
whole-table scans of `backorders migrate` and `check` run before or beside
the server, not in it. A statement waits on the loop only when another
process writes the same file at the same moment (SQLite's busy timeout, 5 s
at most), which a one-process deployment never does. Configured as the
engine of SQLite URLs in `backorders.db.tortoise_config`; Tortoise's
migrations pick their SQLite schema editor by the module's name, which
contains "sqlite".
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from typing import Any

from tortoise.backends.sqlite.client import SqliteClient

Params = Sequence[Any]


class _Cursor:
    """The part of aiosqlite's cursor Tortoise uses after `execute`."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """aiosqlite.Connection's interface over a `sqlite3.Connection`, without the thread."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection

    @property
    def total_changes(self) -> int:
        return self._conn.total_changes

    async def execute(self, sql: str, parameters: Params | None = None) -> _Cursor:
        return _Cursor(self._conn.execute(sql, parameters or ()))

    async def execute_fetchall(self, sql: str, parameters: Params | None = None) -> list[Any]:
        return self._conn.execute(sql, parameters or ()).fetchall()

    async def execute_insert(self, sql: str, parameters: Params | None = None) -> Any:
        cursor = self._conn.execute(sql, parameters or ())
        return cursor.execute("SELECT last_insert_rowid()").fetchone()

    async def executemany(self, sql: str, parameters: Sequence[Sequence[Any]]) -> _Cursor:
        return _Cursor(self._conn.executemany(sql, parameters))

    async def executescript(self, script: str) -> _Cursor:
        return _Cursor(self._conn.executescript(script))

    async def commit(self) -> None:
        if self._conn.in_transaction:  # Tortoise also commits before each BEGIN
            await asyncio.to_thread(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()


class InlineSqliteClient(SqliteClient):
    async def create_connection(self, with_db: bool) -> None:
        if self._connection:
            return
        connection = sqlite3.connect(
            self.filename,
            isolation_level=None,  # Tortoise issues BEGIN itself
            check_same_thread=False,  # COMMIT runs in a worker thread, under the client's lock
        )
        connection.row_factory = sqlite3.Row
        for pragma, value in self.pragmas.items():
            connection.execute(f"PRAGMA {pragma}={value}").close()
        self._connection = InlineConnection(connection)  # type: ignore[assignment]
        await self._post_connect()


client_class = InlineSqliteClient
