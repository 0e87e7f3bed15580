"""The floor: the order-detail read with no GraphQL and no ORM, to measure the service against.

A minimal Starlette app that answers the `order_detail` scenario's request
(the same POST body to `/graphql`, the same bearer token) with the same JSON
the service returns for it, from two hand-written SQL statements (sqlite3 on
the loop's thread, as the service's SQLite engine; asyncpg on PostgreSQL) and
`json`. It does what any implementation of that read must do, and nothing
more: parse the HTTP request and its JSON body, verify the token (PyJWT, as
the service does), read the stock-visibility setting, the order, its lines,
their items and the in-stock shares (the first-come rule of
resolvers/rules/stock.py `in_stock_shares`, here a window function over the
items' open claims), and write JSON.

What the service spends beyond this floor is what GraphQL, the ORM and the
service's own layers cost for the same answer. bench/run.py measures it with
the same wrk driver, on a copy of the same seeded database, served by uvicorn
with the options `backorders serve` uses, and first checks that it returns
exactly what the service returned for a sample of orders.

    python -m bench.floor --port 8001 [--workers N]   # BACKORDERS_DATABASE_URL, _JWT_SECRET

It answers only what the scenario sends: a staff token (a Customer-only token
gets 403) and `variables.n`; the query text is not read.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any, Protocol

import asyncpg
import jwt
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

POOL_SIZE = 10  # the service's default BACKORDERS_DB_POOL_SIZE
LEEWAY_SECONDS = 30
STOCK_SETTING = "PrintIQ_Sales_CanViewAvailableQuantity"
STOCK_SETTING_DEFAULT = "Administrator,Sales Admin,Sales,Warehouse"
STAFF_ROLES = frozenset({"Administrator", "Sales Admin", "Sales", "Warehouse"})

# Written for asyncpg ($n, each used once and in order); `?` for SQLite.
ORDER_SQL = """
SELECT o.id, o.number, o.status, c.code, c.name,
       (SELECT s.value FROM setting s WHERE s.key = $1)
FROM sales_order o JOIN customer c ON c.id = o.customer_id
WHERE o.number = $2
"""

# The order's lines with their items and, for each line that is an open claim,
# the outstanding quantity of the claims ahead of it on its item, in queue
# order (root_number, suffix, line id) among open orders' outstanding lines.
LINES_SQL = """
WITH mine AS (
  SELECT id, item_id, quoted, picked, unit_price FROM sales_order_line WHERE order_id = $1
), queue AS (
  SELECT l.id,
         SUM(l.quoted - l.picked) OVER (
           PARTITION BY l.item_id ORDER BY o.root_number, o.suffix, l.id
           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
         ) AS ahead
  FROM sales_order_line l JOIN sales_order o ON o.id = l.order_id
  WHERE l.item_id IN (SELECT item_id FROM mine)
    AND o.status IN ('ON_HOLD', 'CONFIRMED', 'PAID', 'ON_BACKORDER')
    AND l.quoted > l.picked
)
SELECT m.quoted, m.picked, m.unit_price, i.code, i.name, i.allow_backorder, i.on_hand,
       i.reserved, q.id IS NOT NULL, COALESCE(q.ahead, 0)
FROM mine m
JOIN sales_item i ON i.id = m.item_id
LEFT JOIN queue q ON q.id = m.id
ORDER BY m.id
"""

HEALTH_SQL = "SELECT 1"


class Database(Protocol):
    async def rows(self, sql: str, *args: object) -> Sequence[Sequence[Any]]: ...
    async def close(self) -> None: ...


class Sqlite:
    """One connection used on the loop's thread, as the service's SQLite engine does."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.statements: dict[str, str] = {}

    @classmethod
    async def open(cls, path: str) -> Sqlite:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")  # as Tortoise opens it
        return cls(connection)

    async def rows(self, sql: str, *args: object) -> Sequence[Sequence[Any]]:
        statement = self.statements.get(sql)
        if statement is None:
            statement = self.statements[sql] = re.sub(r"\$\d+", "?", sql)
        return self.connection.execute(statement, args).fetchall()

    async def close(self) -> None:
        self.connection.close()


class Postgres:
    """A pool of the service's default size; asyncpg prepares and caches each statement."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    @classmethod
    async def open(cls, url: str) -> Postgres:
        dsn = url.replace("postgres://", "postgresql://", 1)
        return cls(await asyncpg.create_pool(dsn, min_size=1, max_size=POOL_SIZE))

    async def rows(self, sql: str, *args: object) -> Sequence[Sequence[Any]]:
        return list(await self.pool.fetch(sql, *args))

    async def close(self) -> None:
        await self.pool.close()


async def open_database(url: str) -> Database:
    if url.startswith("sqlite://"):
        return await Sqlite.open(url.removeprefix("sqlite://").split("?", 1)[0])
    return await Postgres.open(url)


def json_response(payload: object, status: int = 200) -> Response:
    return Response(
        json.dumps(payload, separators=(",", ":")), status, media_type="application/json"
    )


def error(status: int, code: str, message: str) -> Response:
    return json_response({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


def stock_status(available: int, allow_backorder: bool) -> str:
    if available > 0:
        return "IN_STOCK"
    return "ON_BACKORDER" if allow_backorder else "OUT_OF_STOCK"


def money(value: object) -> str:
    return f"{Decimal(str(value)):.2f}"


def roles_of(header: str | None, secret: str) -> frozenset[str] | None:
    """The token's roles, or None when it is missing or not valid."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        claims = jwt.decode(
            token.strip(),
            secret,
            algorithms=["HS256"],
            options={"require": ["sub", "exp"]},
            leeway=LEEWAY_SECONDS,
        )
    except jwt.PyJWTError:
        return None
    roles = claims.get("roles", [])
    return frozenset(roles) if isinstance(roles, list) else None


async def order_detail(database: Database, number: str, roles: frozenset[str]) -> object:
    """The `data` of the order-detail query for this number and caller."""
    found = await database.rows(ORDER_SQL, STOCK_SETTING, number.strip())
    if not found:
        return {"salesOrder": None}
    order_id, order_number, status, customer_code, customer_name, setting = found[0]
    allowed = {part.strip() for part in (setting or STOCK_SETTING_DEFAULT).split(",")}
    sees_stock = bool(roles & allowed)
    lines = []
    for row in await database.rows(LINES_SQL, order_id):
        quoted, picked, price, code, name, allow_backorder, on_hand, reserved, claim, ahead = row
        outstanding = quoted - picked
        in_stock = min(outstanding, max(0, max(on_hand, 0) - ahead)) if claim else 0
        available = on_hand - reserved
        lines.append(
            {
                "quotedQuantity": quoted,
                "pickedQuantity": picked,
                "outstandingQuantity": outstanding,
                "inStockQuantity": in_stock if sees_stock else None,
                "unitPrice": money(price),
                "item": {
                    "code": code,
                    "name": name,
                    "stockStatus": stock_status(available, bool(allow_backorder)),
                    "quantityOnHand": on_hand if sees_stock else None,
                    "availableQuantity": available if sees_stock else None,
                },
            }
        )
    return {
        "salesOrder": {
            "number": order_number,
            "status": status,
            "customer": {"code": customer_code, "name": customer_name},
            "lines": lines,
        }
    }


def create_app() -> Starlette:
    url = os.environ.get("BACKORDERS_DATABASE_URL", "sqlite://backorders.sqlite3")
    secret = os.environ["BACKORDERS_JWT_SECRET"]
    state: dict[str, Database] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["db"] = await open_database(url)
        try:
            yield
        finally:
            await state["db"].close()

    async def graphql(request: Request) -> Response:
        roles = roles_of(request.headers.get("authorization"), secret)
        if roles is None:
            return error(401, "UNAUTHENTICATED", "A valid bearer token is required.")
        if not roles & STAFF_ROLES:
            return error(403, "FORBIDDEN", "The floor answers staff tokens only.")
        try:
            number = json.loads(await request.body())["variables"]["n"]
        except (ValueError, KeyError, TypeError):
            return error(400, "BAD_REQUEST", "Send the order-detail body: variables.n.")
        if not isinstance(number, str):
            return error(400, "BAD_REQUEST", "variables.n must be a string.")
        return json_response({"data": await order_detail(state["db"], number, roles)})

    async def healthz(request: Request) -> Response:
        await state["db"].rows(HEALTH_SQL)
        return Response("ok")

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    # As `backorders serve` runs uvicorn: an app factory, N workers, no uvicorn
    # access log (the floor logs nothing per request; the service logs one line).
    uvicorn.run(
        "bench.floor:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
    )


if __name__ == "__main__":
    main()
