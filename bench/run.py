"""Benchmark the backorders service over HTTP, on servers this script starts itself.

    python bench/run.py [--requests N] [--configs sqlite,pg1,pg2,pg4] [--postgres-url URL]

For every configuration (SQLite with one worker; PostgreSQL with 1, 2 and 4
workers) it starts `python -m backorders serve` on a fresh database, loads
the same seeded data, and measures four scenarios at a fixed concurrency over
loopback: the order-detail query, a 50-item `salesItems` page, `placeOrder` of
a three-line order and `pickOrder` of one unit. Every response is checked
(HTTP 200, no GraphQL `errors`, no `userErrors`, the expected object); any
failure is counted, reported and makes the script exit with status 1.
`backorders check` runs after seeding and again after measuring.

Figures are printed as a table and written as JSON (default
`bench/results/<timestamp>.json`) with the machine they were taken on.
See bench/README.md for what each scenario measures and the caveats.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/run.py` puts bench/, not the project, on the path
    sys.path.insert(0, str(ROOT))

from backorders.auth import issue_token  # noqa: E402

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test"
CONFIGS = {
    "sqlite": ("sqlite", 1),
    "pg1": ("postgres", 1),
    "pg2": ("postgres", 2),
    "pg4": ("postgres", 4),
}
SCENARIOS = ("order_detail", "items_page", "place_order", "pick_one")
SCENARIO_TITLES = {
    "order_detail": "order detail (salesOrder)",
    "items_page": "salesItems page of 50",
    "place_order": "placeOrder, 3 lines",
    "pick_one": "pickOrder, 1 unit",
}

# The seeded catalogue (fixed, so runs stay comparable).
CUSTOMERS = 250
BACKORDER_ITEMS = 100  # allow backorder; history orders and the placeOrder scenario
NO_BACKORDER_ITEMS = 20  # no backorder; history orders only
PICK_ITEMS = 40  # the pick scenario's orders only, plenty on hand
POOL_LINE_QUANTITY = 40  # each pick-pool line; 39 units of it are picked at most
POOL_LINES = 3

SECRET = "bench-" + uuid.uuid4().hex
SEED_TOKEN_ROLES = ["Administrator"]
READER = ("bench-reader", ["Sales"])
SALES = ("bench-sales", ["Sales"])
PICKER = ("bench-picker", ["Warehouse"])


class BenchError(Exception):
    """Something that makes the figures untrustworthy: stop and say what."""


# --------------------------------------------------------------------- GraphQL

ORDER_DETAIL = """query OrderDetail($n: String!) {
  salesOrder(number: $n) {
    id number status reference total createdAt canSplitRemaining
    customer { code name }
    backorderOf { number }
    backorders { number status }
    charges { kind description amount }
    lines {
      id quotedQuantity pickedQuantity outstandingQuantity inStockQuantity unitPrice
      item { id code name unitPrice allowBackorder stockStatus quantityOnHand availableQuantity }
    }
  }
}"""

ITEMS_PAGE = """query ItemsPage($after: String) {
  salesItems(first: 50, after: $after) {
    edges { cursor node {
      id code name unitPrice allowBackorder stockStatus quantityOnHand availableQuantity } }
    pageInfo { hasNextPage endCursor }
  }
}"""

PLACE_ORDER = """mutation PlaceOrder($i: PlaceOrderInput!) {
  placeOrder(input: $i) {
    order { id number status total
      lines { id quotedQuantity outstandingQuantity inStockQuantity unitPrice item { code } } }
    userErrors { code message field }
  }
}"""

PICK_ORDER = """mutation PickOrder($i: PickOrderInput!) {
  pickOrder(input: $i) {
    order { id number status canSplitRemaining
      lines { id quotedQuantity pickedQuantity outstandingQuantity } }
    userErrors { code message field }
  }
}"""

SPLIT = """mutation Split($i: SplitRemainingInput!) {
  splitRemaining(input: $i) {
    order { number status } backorder { number status }
    userErrors { code message field }
  }
}"""

CONFIRM = """mutation Confirm($i: ConfirmBackorderInput!) {
  confirmBackorder(input: $i) { order { number status } userErrors { code message field } }
}"""

CREATE_CUSTOMER = """mutation($i: CreateCustomerInput!) {
  createCustomer(input: $i) { customer { code } userErrors { code message field } } }"""

CREATE_ITEM = """mutation($i: CreateSalesItemInput!) {
  createSalesItem(input: $i) { salesItem { code } userErrors { code message field } } }"""

RECEIVE = """mutation($i: ReceiveStockInput!) {
  receiveStock(input: $i) { salesItem { code } userErrors { code message field } } }"""


def token(sub: str, roles: list[str]) -> str:
    return issue_token(SECRET, sub, roles, None, timedelta(hours=12))


def problem_in(response: httpx.Response, field_name: str | None = None) -> str | None:
    """What is wrong with a GraphQL response (None: nothing), without trusting its shape."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    try:
        body = response.json()
    except ValueError:
        return f"not JSON: {response.text[:300]}"
    if not isinstance(body, dict):
        return f"not a JSON object: {response.text[:300]}"
    if body.get("errors"):
        return f"GraphQL errors: {json.dumps(body['errors'])[:300]}"
    data = body.get("data")
    if not isinstance(data, dict):
        return f"no data: {response.text[:300]}"
    if field_name is not None:
        payload = data.get(field_name)
        if isinstance(payload, dict) and payload.get("userErrors"):
            return f"userErrors: {json.dumps(payload['userErrors'])[:300]}"
    return None


async def gql(
    client: httpx.AsyncClient, bearer: str, query: str, variables: dict[str, Any], field_name: str
) -> dict[str, Any]:
    """One seeding call: any failure aborts the run."""
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        # A new connection per call spreads the seeding over the server's workers.
        headers={"Authorization": f"Bearer {bearer}", "Connection": "close"},
    )
    problem = problem_in(response, field_name)
    if problem:
        raise BenchError(f"seeding {field_name} {json.dumps(variables)[:200]}: {problem}")
    payload: dict[str, Any] = response.json()["data"][field_name]
    return payload


async def bounded(calls: Sequence[Callable[[], Awaitable[Any]]], concurrency: int) -> list[Any]:
    """Run the calls with at most `concurrency` in flight; results in call order."""
    results: list[Any] = [None] * len(calls)
    position = 0

    async def worker() -> None:
        nonlocal position
        while position < len(calls):
            index = position
            position += 1
            results[index] = await calls[index]()

    tasks = [asyncio.create_task(worker()) for _ in range(min(concurrency, len(calls)))]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
    return results


# ------------------------------------------------------------------ seed plan


@dataclass
class PlannedOrder:
    customer: str
    lines: list[tuple[str, int]]  # (item code, quantity)
    fate: str = "open"  # open | partial | split | complete
    picks: list[int] = field(default_factory=list)  # explicit pick per line (0: none)
    finish_as: str = "PICKED"  # split/complete status
    charge: str | None = None
    confirm_backorder: bool = False


@dataclass
class SeedPlan:
    customers: list[str]
    items: list[dict[str, Any]]  # CreateSalesItemInput values
    on_hand: dict[str, int]
    history: list[PlannedOrder]
    pool: list[PlannedOrder]


def item_codes(kind: str) -> list[str]:
    counts = {"bo": BACKORDER_ITEMS, "nb": NO_BACKORDER_ITEMS, "pk": PICK_ITEMS}
    prefix = {"bo": "BO", "nb": "NB", "pk": "PK"}[kind]
    return [f"{prefix}-{n:04d}" for n in range(1, counts[kind] + 1)]


def make_plan(orders: int, pick_units: int, rng: random.Random) -> SeedPlan:
    """The seeded data, decided up front so the stock received covers every planned pick."""
    customers = [f"BC{n:04d}" for n in range(1, CUSTOMERS + 1)]
    bo, nb, pk = item_codes("bo"), item_codes("nb"), item_codes("pk")
    # Backorder items: 65% stocked (picks happen on these), 20% short, 15% none on hand.
    stocked = {code for code in bo if rng.random() < 0.65}
    short = {code for code in bo if code not in stocked and rng.random() < 0.57}
    items = []
    for code in bo + nb + pk:
        price = f"{rng.randint(150, 25000) / 100:.2f}"
        items.append(
            {
                "code": code,
                "name": f"Bench item {code}",
                "unitPrice": price,
                "allowBackorder": not code.startswith("NB"),
            }
        )

    pickable = sorted(stocked) + nb  # lines on these items may be picked in the seed
    history: list[PlannedOrder] = []
    for _ in range(orders):
        count = rng.choices([1, 2, 3, 4, 5], weights=[25, 30, 25, 12, 8])[0]
        codes = rng.sample(bo + nb, count)
        lines = [
            (c, rng.randint(1, 10) if c.startswith("NB") else rng.randint(1, 40)) for c in codes
        ]
        order = PlannedOrder(rng.choice(customers), lines)
        roll = rng.random()
        can_pick = [c in pickable for c, _ in lines]
        if roll < 0.12 and any(can_pick):
            # Pick part, then split the rest into a backorder (half of them confirmed).
            picks = [
                rng.randint(1, q) if ok else 0 for (_, q), ok in zip(lines, can_pick, strict=True)
            ]
            if all(p == q for p, (_, q) in zip(picks, lines, strict=True)):
                first = next(i for i, p in enumerate(picks) if p)
                picks[first] -= 1
            if any(picks):
                order.fate, order.picks = "split", picks
                order.finish_as = rng.choice(["PICKED", "PACKED"])
                order.charge = rng.choice([None, "7.50", "12.00"])
                order.confirm_backorder = rng.random() < 0.5
        elif roll < 0.22 and all(can_pick):
            order.fate, order.picks = "complete", [q for _, q in lines]
            order.finish_as = rng.choice(["PICKED", "PACKED"])
        elif roll < 0.30 and any(can_pick):
            picks = [
                rng.randint(0, q - 1) if ok else 0
                for (_, q), ok in zip(lines, can_pick, strict=True)
            ]
            if any(picks):
                order.fate, order.picks = "partial", picks
        history.append(order)

    # The pick scenario's orders: POOL_LINES lines of POOL_LINE_QUANTITY on distinct
    # pick items; at most POOL_LINE_QUANTITY - 1 units of a line are picked, so an
    # order never completes and every one-unit pick has something outstanding.
    per_order = POOL_LINES * (POOL_LINE_QUANTITY - 1)
    pool_size = max(100, math.ceil(pick_units * 1.25 / per_order))
    pool = [
        PlannedOrder(
            rng.choice(customers), [(c, POOL_LINE_QUANTITY) for c in rng.sample(pk, POOL_LINES)]
        )
        for _ in range(pool_size)
    ]

    ordered: dict[str, int] = {}
    picked: dict[str, int] = {}
    for order in history + pool:
        for index, (code, quantity) in enumerate(order.lines):
            ordered[code] = ordered.get(code, 0) + quantity
            if order.picks:
                picked[code] = picked.get(code, 0) + order.picks[index]
    on_hand: dict[str, int] = {}
    for code in bo:
        if code in stocked:
            on_hand[code] = picked.get(code, 0) + rng.randint(50, 1500)
        elif code in short:
            on_hand[code] = rng.randint(1, 60)
    for index, code in enumerate(nb):
        # Enough for every order; half have nothing left over (OUT_OF_STOCK).
        on_hand[code] = ordered.get(code, 0) + (0 if index % 2 else rng.randint(20, 400)) or 1
    for code in pk:
        on_hand[code] = ordered.get(code, 0) + 1000
    return SeedPlan(customers, items, on_hand, history, pool)


@dataclass
class Seeded:
    """What the measurements need to know about the seeded data."""

    order_numbers: list[str]  # every order and backorder
    item_cursors: list[str | None]  # `after` values whose page holds 50 items
    pool: list[tuple[str, list[str]]]  # pick-pool orders: number, line ids
    counts: dict[str, int]


async def seed(client: httpx.AsyncClient, plan: SeedPlan, concurrency: int) -> Seeded:
    admin = token("bench-seed", SEED_TOKEN_ROLES)
    call = partial(gql, client, admin)
    await bounded(
        [
            partial(
                call, CREATE_CUSTOMER, {"i": {"code": c, "name": f"Customer {c}"}}, "createCustomer"
            )
            for c in plan.customers
        ],
        concurrency,
    )
    await bounded(
        [partial(call, CREATE_ITEM, {"i": item}, "createSalesItem") for item in plan.items],
        concurrency,
    )
    receipts = [
        {"i": {"itemCode": code, "quantity": quantity, "reference": "bench opening stock"}}
        for code, quantity in plan.on_hand.items()
    ]
    await bounded([partial(call, RECEIVE, r, "receiveStock") for r in receipts], concurrency)

    async def place(order: PlannedOrder, reference: str) -> dict[str, Any]:
        lines = [{"itemCode": c, "quantity": q} for c, q in order.lines]
        fields = {"customerCode": order.customer, "reference": reference, "lines": lines}
        payload = await call(PLACE_ORDER, {"i": fields}, "placeOrder")
        return dict(payload["order"])

    everything = plan.history + plan.pool
    placed = await bounded(
        [partial(place, order, f"bench-seed-{n}") for n, order in enumerate(everything)],
        concurrency,
    )
    history_placed, pool_placed = placed[: len(plan.history)], placed[len(plan.history) :]
    picks = [
        (order, result)
        for order, result in zip(plan.history, history_placed, strict=True)
        if order.fate in ("split", "complete", "partial")
    ]

    async def pick(order: PlannedOrder, result: dict[str, Any]) -> None:
        lines = [
            {"lineId": line["id"], "quantity": quantity}
            for line, quantity in zip(result["lines"], order.picks, strict=True)
            if quantity
        ]
        fields = {"orderNumber": result["number"], "lines": lines, "completeAs": order.finish_as}
        await call(PICK_ORDER, {"i": fields}, "pickOrder")

    await bounded([partial(pick, order, result) for order, result in picks], concurrency)

    async def split(order: PlannedOrder, result: dict[str, Any]) -> str:
        fields: dict[str, Any] = {"orderNumber": result["number"], "status": order.finish_as}
        if order.charge:
            fields["additionalShippingCharge"] = order.charge
        payload = await call(SPLIT, {"i": fields}, "splitRemaining")
        number: str = payload["backorder"]["number"]
        if order.confirm_backorder:
            await call(CONFIRM, {"i": {"orderNumber": number}}, "confirmBackorder")
        return number

    splits = [(order, result) for order, result in picks if order.fate == "split"]
    backorders = await bounded(
        [partial(split, order, result) for order, result in splits], concurrency
    )

    # The items page cursors: `after` of every page that still holds 50 items.
    reader = token(*READER)
    cursors: list[str | None] = [None]
    after: str | None = None
    while True:
        payload = await gql(client, reader, ITEMS_PAGE, {"after": after}, "salesItems")
        edges = payload["edges"]
        cursors.extend(edge["cursor"] for edge in edges)
        if not payload["pageInfo"]["hasNextPage"]:
            break
        after = payload["pageInfo"]["endCursor"]
    usable = cursors[: len(cursors) - 50]  # the last 50 cursors start shorter pages
    numbers = [r["number"] for r in placed] + list(backorders)
    return Seeded(
        order_numbers=numbers,
        item_cursors=usable,
        pool=[(r["number"], [line["id"] for line in r["lines"]]) for r in pool_placed],
        counts={
            "customers": len(plan.customers),
            "items": len(plan.items),
            "orders_placed": len(placed),
            "history_orders": len(plan.history),
            "pick_pool_orders": len(plan.pool),
            "orders_picked": len(picks),
            "orders_split": len(splits),
            "backorders_confirmed": sum(o.confirm_backorder for o, _ in splits),
            "orders_and_backorders": len(numbers),
            "order_lines": sum(len(o.lines) for o in everything),
        },
    )


# ---------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKORDERS_")}
    env["BACKORDERS_DATABASE_URL"] = database_url
    env["BACKORDERS_JWT_SECRET"] = SECRET
    return env


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def process_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of a process and all its descendants, by pid."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[int, float] = {}
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            stat = Path(f"/proc/{current}/stat").read_text()
            fields_after_name = stat.rsplit(")", 1)[1].split()
            found[current] = (int(fields_after_name[11]) + int(fields_after_name[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(child) for child in children)
        except (OSError, IndexError, ValueError):
            continue
    return found


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all processes, all cores), /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    except (OSError, ValueError, IndexError):
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class Server:
    """`python -m backorders serve` in its own process group, stopped by `stop()`."""

    def __init__(self, database_url: str, workers: int, workdir: Path, label: str) -> None:
        self.database_url = database_url
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"serve-{label}.log"
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "backorders",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            cwd=self.workdir,
            env=server_env(self.database_url),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C goes to this script, which stops the server
        )
        log.close()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    async def wait_ready(self, timeout: float = 120.0) -> None:
        """Healthy, and every worker has finished starting (uvicorn logs each one)."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2) as probe:
            while True:
                if self.process.poll() is not None:
                    raise BenchError(
                        f"server exited with {self.process.returncode}:\n{self.log_tail()}"
                    )
                started = self.log_path.read_text(errors="replace").count(
                    "Application startup complete"
                )
                try:
                    healthy = (await probe.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    healthy = False
                if healthy and started >= self.workers:
                    return
                if time.monotonic() > deadline:
                    raise BenchError(f"server not ready after {timeout:.0f}s:\n{self.log_tail()}")
                await asyncio.sleep(0.2)

    def cpu(self) -> dict[int, float]:
        return process_cpu(self.process.pid) if self.process is not None else {}

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            self.process = None
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        # Workers left behind by a parent that died first share its process group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        self.process = None


def run_check(database_url: str, workdir: Path, when: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "backorders", "check"],
        cwd=workdir,
        env=server_env(database_url),
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        raise BenchError(f"`backorders check` failed {when}:\n{output}")
    return output.splitlines()[-1] if output else ""


async def pg_admin(url: str, *statements: str) -> list[Any]:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        results = []
        for statement in statements:
            results.append(await connection.fetchval(statement))
        return results
    finally:
        await connection.close()


async def backend_pids(admin_url: str, database: str) -> list[int]:
    import asyncpg

    connection = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1", database
        )
        return [int(row["pid"]) for row in rows]
    finally:
        await connection.close()


@dataclass
class Resources:
    """Everything to undo at the end, also after Ctrl-C or a failure."""

    admin_url: str
    servers: list[Server] = field(default_factory=list)
    databases: list[str] = field(default_factory=list)
    workdir: Path | None = None

    def cleanup(self) -> list[str]:
        problems = []
        for server in self.servers:
            try:
                server.stop()
            except Exception as error:  # noqa: BLE001 - keep cleaning up
                problems.append(f"stopping server on port {server.port}: {error}")
        for name in reversed(self.databases):
            try:
                asyncio.run(
                    pg_admin(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                )
            except Exception as error:  # noqa: BLE001
                problems.append(f"dropping database {name}: {error}")
        self.databases.clear()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return problems


# ------------------------------------------------------------- measurement


@dataclass
class Workload:
    """Prepared request bodies (warm-up first) and how to check each answer."""

    name: str
    bearer: str
    bodies: list[bytes]
    check: Callable[[int, httpx.Response], str | None]


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


async def drive(
    client: httpx.AsyncClient,
    workload: Workload,
    start: int,
    count: int,
    concurrency: int,
    per_connection: int,
) -> dict[str, Any]:
    """Send bodies[start:start+count] with `concurrency` requests in flight; time each one."""
    headers = {"Authorization": f"Bearer {workload.bearer}", "Content-Type": "application/json"}
    # `Connection: close` makes the next request open a new connection, which the
    # kernel hands to whichever worker accepts first; see --requests-per-connection.
    closing = {**headers, "Connection": "close"}
    latencies: list[float] = []
    failures: list[str] = []
    position = start
    end = start + count

    async def worker() -> None:
        nonlocal position
        while position < end:
            index = position
            position += 1
            began = time.perf_counter()
            try:
                last = per_connection and index % per_connection == per_connection - 1
                response = await client.post(
                    "/graphql", content=workload.bodies[index], headers=closing if last else headers
                )
                latencies.append(time.perf_counter() - began)
                problem = workload.check(index, response)
            except httpx.HTTPError as error:
                latencies.append(time.perf_counter() - began)
                problem = f"{type(error).__name__}: {error}"
            if problem:
                failures.append(f"request {index}: {problem}")

    cpu_before = time.process_time()
    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    client_cpu = time.process_time() - cpu_before
    ordered = sorted(latencies)
    return {
        "requests": count,
        "errors": len(failures),
        "error_samples": failures[:5],
        "seconds": round(elapsed, 3),
        "requests_per_second": round(count / elapsed, 1) if elapsed else None,
        "p50_ms": round(percentile(ordered, 0.50) * 1000, 2),
        "p90_ms": round(percentile(ordered, 0.90) * 1000, 2),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2) if ordered else None,
        "mean_ms": round(sum(ordered) / len(ordered) * 1000, 2) if ordered else None,
        "client_cpu_seconds": round(client_cpu, 3),
    }


def body(query: str, variables: dict[str, Any]) -> bytes:
    return json.dumps({"query": query, "variables": variables}).encode()


def data_of(response: httpx.Response, field_name: str) -> Any:
    return response.json()["data"][field_name]


def build_workloads(
    seeded: Seeded, total: int, idempotency_keys: bool, rng: random.Random
) -> dict[str, Workload]:
    """`total` requests per scenario (warm-up included), the same for every configuration."""
    workloads: dict[str, Workload] = {}

    numbers = [rng.choice(seeded.order_numbers) for _ in range(total)]

    def check_detail(index: int, response: httpx.Response) -> str | None:
        problem = problem_in(response)
        if problem:
            return problem
        order = data_of(response, "salesOrder")
        if not order or order["number"] != numbers[index] or not order["lines"]:
            return f"order {numbers[index]}: unexpected answer {json.dumps(order)[:200]}"
        if any(line["inStockQuantity"] is None for line in order["lines"]):
            return "stock figures missing"
        return None

    workloads["order_detail"] = Workload(
        "order_detail",
        token(*READER),
        [body(ORDER_DETAIL, {"n": n}) for n in numbers],
        check_detail,
    )

    afters = [rng.choice(seeded.item_cursors) for _ in range(total)]

    def check_items(index: int, response: httpx.Response) -> str | None:
        problem = problem_in(response)
        if problem:
            return problem
        edges = data_of(response, "salesItems")["edges"]
        if len(edges) != 50:
            return f"page after {afters[index]} held {len(edges)} items, not 50"
        return None

    workloads["items_page"] = Workload(
        "items_page", token(*READER), [body(ITEMS_PAGE, {"after": a}) for a in afters], check_items
    )

    # Three distinct items that allow backorders: never refused for stock.
    backorder_items = item_codes("bo")
    customers = [f"BC{n:04d}" for n in range(1, CUSTOMERS + 1)]
    run_id = uuid.uuid4().hex[:8]
    place_bodies = []
    for index in range(total):
        fields: dict[str, Any] = {
            "customerCode": rng.choice(customers),
            "reference": f"bench-place-{index}",
            "lines": [
                {"itemCode": code, "quantity": rng.randint(1, 10)}
                for code in rng.sample(backorder_items, 3)
            ],
        }
        if idempotency_keys:
            fields["idempotencyKey"] = f"bench-{run_id}-place-{index}"
        place_bodies.append(body(PLACE_ORDER, {"i": fields}))

    def check_place(index: int, response: httpx.Response) -> str | None:
        problem = problem_in(response, "placeOrder")
        if problem:
            return problem
        order = data_of(response, "placeOrder")["order"]
        if not order or order["status"] != "CONFIRMED" or len(order["lines"]) != 3:
            return f"unexpected order {json.dumps(order)[:200]}"
        return None

    workloads["place_order"] = Workload("place_order", token(*SALES), place_bodies, check_place)

    # One unit of one line per request. Consecutive requests go to different orders
    # (round-robin over the pool, line by line), and no line is asked for more than
    # it has outstanding, so every pick can succeed whatever order they land in.
    units = POOL_LINE_QUANTITY - 1
    tasks = [
        (number, line_ids[line])
        for _ in range(units)
        for line in range(POOL_LINES)
        for number, line_ids in seeded.pool
    ]
    if len(tasks) < total:
        raise BenchError(f"the pick pool holds {len(tasks)} units, {total} are needed")
    tasks = tasks[:total]
    pick_bodies = []
    for index, (number, line_id) in enumerate(tasks):
        fields = {"orderNumber": number, "lines": [{"lineId": line_id, "quantity": 1}]}
        if idempotency_keys:
            fields["idempotencyKey"] = f"bench-{run_id}-pick-{index}"
        pick_bodies.append(body(PICK_ORDER, {"i": fields}))

    def check_pick(index: int, response: httpx.Response) -> str | None:
        problem = problem_in(response, "pickOrder")
        if problem:
            return problem
        order = data_of(response, "pickOrder")["order"]
        number, line_id = tasks[index]
        if not order or order["number"] != number or order["status"] != "CONFIRMED":
            return f"unexpected order {json.dumps(order)[:200]}"
        line = next((line for line in order["lines"] if line["id"] == line_id), None)
        if line is None or line["pickedQuantity"] < 1:
            return f"line {line_id} of {number} shows nothing picked"
        return None

    workloads["pick_one"] = Workload("pick_one", token(*PICKER), pick_bodies, check_pick)
    return workloads


# ------------------------------------------------------------- machine facts


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        info["git_commit"] = commit + ("-dirty" if dirty else "")
    from importlib.metadata import PackageNotFoundError, version

    packages = {}
    for name in (
        "strawberry-graphql",
        "starlette",
        "uvicorn",
        "tortoise-orm",
        "asyncpg",
        "aiosqlite",
        "httpx",
    ):
        with contextlib.suppress(PackageNotFoundError):
            packages[name] = version(name)
    info["packages"] = packages
    return info


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# ------------------------------------------------------------------- the run


@dataclass
class Options:
    configs: list[str]
    scenarios: list[str]
    requests: int
    warmup: int
    concurrency: int
    orders: int
    postgres_url: str
    output: Path
    idempotency_keys: bool
    per_connection: int
    seed: int


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python bench/run.py",
        description="Benchmark the backorders service on servers this script starts itself.",
    )
    parser.add_argument(
        "--configs",
        default="sqlite,pg1,pg2,pg4",
        help="comma-separated: sqlite (1 worker), pg1, pg2, pg4 (PostgreSQL, N workers)",
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated, from {','.join(SCENARIOS)}",
    )
    parser.add_argument("--requests", type=int, default=1000, help="measured requests per scenario")
    parser.add_argument(
        "--warmup",
        type=int,
        default=None,
        help="uncounted requests first (default: 10%% of --requests, at least 50)",
    )
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument(
        "--orders", type=int, default=2000, help="seeded orders (besides the pick pool)"
    )
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="a PostgreSQL server the script may create databases on",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="JSON file (default bench/results/<timestamp>.json)",
    )
    parser.add_argument(
        "--idempotency-keys",
        action="store_true",
        help="send a fresh idempotencyKey with every mutation",
    )
    parser.add_argument(
        "--requests-per-connection",
        type=int,
        default=1,
        help="requests sent over one connection before it is closed (0: keep connections open). "
        "The default, a new connection per request, lets the kernel spread the load over the "
        "workers; kept-open connections stay with whichever worker accepted them",
    )
    parser.add_argument(
        "--seed", type=int, default=20240501, help="random seed of the data and requests"
    )
    args = parser.parse_args(argv)
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    for name in configs:
        if name not in CONFIGS:
            parser.error(f"unknown configuration {name!r}; choose from {', '.join(CONFIGS)}")
    for name in scenarios:
        if name not in SCENARIOS:
            parser.error(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")
    if args.requests < 1 or args.concurrency < 1 or args.orders < 1:
        parser.error("--requests, --concurrency and --orders must be positive")
    if args.requests_per_connection < 0:
        parser.error("--requests-per-connection cannot be negative")
    warmup = args.warmup if args.warmup is not None else max(50, args.requests // 10)
    if warmup < 0:
        parser.error("--warmup cannot be negative")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    output = args.output or ROOT / "bench" / "results" / f"{stamp}.json"
    return Options(
        configs=configs,
        scenarios=[s for s in SCENARIOS if s in scenarios],
        requests=args.requests,
        warmup=warmup,
        concurrency=args.concurrency,
        orders=args.orders,
        postgres_url=args.postgres_url,
        output=output,
        idempotency_keys=args.idempotency_keys,
        per_connection=args.requests_per_connection,
        seed=args.seed,
    )


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


async def prepare_seed(
    backend: str, options: Options, resources: Resources, plan: SeedPlan, run_name: str
) -> tuple[str, Seeded, float]:
    """Seed a template database over HTTP (one server, stopped after); returns its URL."""
    assert resources.workdir is not None
    if backend == "sqlite":
        path = resources.workdir / "seed" / "backorders.sqlite3"
        path.parent.mkdir()
        url = f"sqlite://{path}"
    else:
        name = f"{run_name}_seed"
        await pg_admin(options.postgres_url, f'CREATE DATABASE "{name}"')
        resources.databases.append(name)
        url = with_database(options.postgres_url, name)
    server = Server(url, 2 if backend == "postgres" else 1, resources.workdir, f"seed-{backend}")
    resources.servers.append(server)
    began = time.perf_counter()
    server.start()
    try:
        await server.wait_ready()
        limits = httpx.Limits(
            max_connections=options.concurrency, max_keepalive_connections=options.concurrency
        )
        async with httpx.AsyncClient(
            base_url=server.base_url, timeout=120, limits=limits
        ) as client:
            seeded = await seed(client, plan, options.concurrency)
    finally:
        server.stop()
    seconds = time.perf_counter() - began
    verdict = run_check(url, resources.workdir, f"after seeding {backend}")
    log(
        f"seeded {backend} in {seconds:.1f}s: "
        f"{seeded.counts['orders_and_backorders']} orders; check: {verdict}"
    )
    return url, seeded, seconds


async def fresh_copy(
    backend: str,
    template_url: str,
    options: Options,
    resources: Resources,
    label: str,
    run_name: str,
) -> tuple[str, str | None]:
    """A fresh database holding the seeded data, for one configuration."""
    assert resources.workdir is not None
    if backend == "sqlite":
        source = Path(template_url.removeprefix("sqlite://"))
        target_dir = resources.workdir / label
        target_dir.mkdir()
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{source}{suffix}").exists():
                shutil.copyfile(f"{source}{suffix}", target_dir / f"backorders.sqlite3{suffix}")
        return f"sqlite://{target_dir / 'backorders.sqlite3'}", None
    name = f"{run_name}_{label}"
    template = urlsplit(template_url).path.lstrip("/")
    await pg_admin(options.postgres_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    resources.databases.append(name)
    return with_database(options.postgres_url, name), name


def worker_pids(server: Server) -> list[int]:
    """The processes that serve requests: uvicorn's spawned workers, or the server itself."""
    assert server.process is not None
    if server.workers == 1:
        return [server.process.pid]
    found = []
    for pid in server.cpu():
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
    return sorted(found)


async def postgres_cpu(options: Options, database: str | None) -> dict[int, float]:
    if database is None:
        return {}
    pids = await backend_pids(options.postgres_url, database)
    return {pid: sum(process_cpu(pid).values()) for pid in pids}


async def measure_configuration(
    label: str,
    backend: str,
    workers: int,
    url: str,
    database: str | None,
    workloads: dict[str, Workload],
    options: Options,
    resources: Resources,
) -> dict[str, Any]:
    assert resources.workdir is not None
    server = Server(url, workers, resources.workdir, label)
    resources.servers.append(server)
    result: dict[str, Any] = {
        "configuration": label,
        "backend": backend,
        "workers": workers,
        "scenarios": {},
    }
    server.start()
    try:
        await server.wait_ready()
        serving = worker_pids(server)
        if len(serving) != workers:
            raise BenchError(f"{label}: expected {workers} worker process(es), found {serving}")
        limits = httpx.Limits(
            max_connections=options.concurrency, max_keepalive_connections=options.concurrency
        )
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60, limits=limits) as client:
            for name in options.scenarios:
                workload = workloads[name]
                warm = None
                if options.warmup:
                    warm = await drive(
                        client,
                        workload,
                        0,
                        options.warmup,
                        options.concurrency,
                        options.per_connection,
                    )
                server_before, db_before = server.cpu(), await postgres_cpu(options, database)
                busy_before = machine_busy_seconds()
                figures = await drive(
                    client,
                    workload,
                    options.warmup,
                    options.requests,
                    options.concurrency,
                    options.per_connection,
                )
                busy = machine_busy_seconds() - busy_before
                server_after, db_after = server.cpu(), await postgres_cpu(options, database)
                used = {pid: cpu - server_before.get(pid, 0.0) for pid, cpu in server_after.items()}
                figures["worker_cpu_seconds"] = [round(used.get(pid, 0.0), 3) for pid in serving]
                figures["server_other_cpu_seconds"] = round(
                    sum(cpu for pid, cpu in used.items() if pid not in serving), 3
                )
                if database is not None:
                    figures["postgres_backends_cpu_seconds"] = round(
                        sum(cpu - db_before.get(pid, 0.0) for pid, cpu in db_after.items()), 3
                    )
                # CPU spent by processes outside this benchmark (other work on the
                # machine, PostgreSQL's background processes), as a share of all cores.
                ours = (
                    figures["client_cpu_seconds"]
                    + sum(used.values())
                    + figures.get("postgres_backends_cpu_seconds", 0.0)
                )
                server_side = sum(used.values()) + figures.get("postgres_backends_cpu_seconds", 0.0)
                figures["server_cpu_ms_per_request"] = round(
                    server_side / options.requests * 1000, 2
                )
                capacity = (os.cpu_count() or 1) * figures["seconds"]
                figures["machine_busy_cpu_seconds"] = round(busy, 3)
                figures["outside_cpu_share"] = round(max(0.0, busy - ours) / capacity, 3)
                figures["warmup_requests"] = options.warmup
                figures["warmup_errors"] = warm["errors"] if warm else 0
                figures["warmup_error_samples"] = warm["error_samples"] if warm else []
                result["scenarios"][name] = figures
                shares = "/".join(f"{cpu:.1f}" for cpu in figures["worker_cpu_seconds"])
                log(
                    f"{label:6} {name:12} {figures['requests_per_second']:7.1f} req/s  "
                    f"p50 {figures['p50_ms']:6.1f} ms  p99 {figures['p99_ms']:6.1f} ms  "
                    f"errors {figures['errors'] + figures['warmup_errors']}  "
                    f"cpu s: client {figures['client_cpu_seconds']:.1f}, workers {shares}"
                    + (
                        f", postgres {figures['postgres_backends_cpu_seconds']:.1f}"
                        if database is not None
                        else ""
                    )
                    + f"; outside {figures['outside_cpu_share']:.0%}"
                )
    finally:
        server.stop()
    result["check_after"] = run_check(url, resources.workdir, f"after measuring {label}")
    return result


async def run(options: Options, resources: Resources, report: dict[str, Any]) -> None:
    run_name = f"bench_{uuid.uuid4().hex[:10]}"
    resources.workdir = Path(tempfile.mkdtemp(prefix="backorders-bench-"))
    backends = sorted({CONFIGS[c][0] for c in options.configs}, key=lambda b: b != "sqlite")
    if "postgres" in backends:
        versions = await pg_admin(options.postgres_url, "SHOW server_version")
        report["machine"]["postgresql"] = versions[0]

    total = options.warmup + options.requests
    plan = make_plan(options.orders, total, random.Random(options.seed))
    report["seed"] = {"backends": {}}
    for backend in backends:
        log(f"seeding {backend} ({options.orders} orders + {len(plan.pool)} pick-pool orders) ...")
        template_url, seeded, seconds = await prepare_seed(
            backend, options, resources, plan, run_name
        )
        report["seed"]["backends"][backend] = {**seeded.counts, "seconds": round(seconds, 1)}
        workloads = build_workloads(
            seeded, total, options.idempotency_keys, random.Random(options.seed + 1)
        )
        for label in options.configs:
            if CONFIGS[label][0] != backend:
                continue
            workers = CONFIGS[label][1]
            url, database = await fresh_copy(
                backend, template_url, options, resources, label, run_name
            )
            log(f"measuring {label} ({backend}, {workers} worker(s)) ...")
            report["configurations"].append(
                await measure_configuration(
                    label, backend, workers, url, database, workloads, options, resources
                )
            )
            if database:
                await pg_admin(
                    options.postgres_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'
                )
                resources.databases.remove(database)


def table(report: dict[str, Any]) -> str:
    rows = [
        "| Scenario | Configuration | Requests/s | p50 ms | p99 ms "
        "| Server CPU ms/request | Errors |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    names = {
        "sqlite": "SQLite, 1 worker",
        "pg1": "PostgreSQL, 1 worker",
        "pg2": "PostgreSQL, 2 workers",
        "pg4": "PostgreSQL, 4 workers",
    }
    for scenario in SCENARIOS:
        for configuration in report["configurations"]:
            figures = configuration["scenarios"].get(scenario)
            if figures is None:
                continue
            errors = figures["errors"] + figures["warmup_errors"]
            rows.append(
                f"| {SCENARIO_TITLES[scenario]} | {names[configuration['configuration']]} | "
                f"{figures['requests_per_second']:.0f} | {figures['p50_ms']:.1f} | "
                f"{figures['p99_ms']:.1f} | {figures['server_cpu_ms_per_request']:.1f} | {errors} |"
            )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    resources = Resources(admin_url=options.postgres_url)
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "options": {
            "configs": options.configs,
            "scenarios": options.scenarios,
            "requests": options.requests,
            "warmup": options.warmup,
            "concurrency": options.concurrency,
            "orders": options.orders,
            "idempotency_keys": options.idempotency_keys,
            "requests_per_connection": options.per_connection,
            "seed": options.seed,
            "postgres_url": options.postgres_url
            if any(CONFIGS[c][0] == "postgres" for c in options.configs)
            else None,
        },
        "machine": machine_info(),
        "load_average_before": load_average(),
        "configurations": [],
    }

    def on_sigterm(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    status = 0
    try:
        asyncio.run(run(options, resources, report))
    except KeyboardInterrupt:
        report["failure"] = "interrupted"
        print("\nInterrupted: stopping servers and dropping databases.", file=sys.stderr)
        status = 130
    except BenchError as error:
        report["failure"] = str(error)
        print(f"\nbench: {error}", file=sys.stderr)
        status = 1
    finally:
        problems = resources.cleanup()
        for problem in problems:
            print(f"bench: cleanup: {problem}", file=sys.stderr)

    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["load_average_after"] = load_average()
    errors = sum(
        f["errors"] + f["warmup_errors"]
        for c in report["configurations"]
        for f in c["scenarios"].values()
    )
    report["total_errors"] = errors
    report["ok"] = status == 0 and errors == 0
    if report["configurations"]:
        print()
        print(table(report))
        print()
        outside = [
            f["outside_cpu_share"]
            for c in report["configurations"]
            for f in c["scenarios"].values()
        ]
        report["outside_cpu_share_max"] = max(outside)
        print(
            "CPU used outside the benchmark while measuring: "
            f"mean {sum(outside) / len(outside):.0%}, "
            f"max {max(outside):.0%} of the machine (0% is an undisturbed run)"
        )
    m = report["machine"]
    print(
        f"Machine: {m.get('cpu_model', '?')}, {m['cpu_count']} cores, "
        f"{m.get('memory_gib', '?')} GiB; "
        f"Python {m['python']}, PostgreSQL {m.get('postgresql', '-')}, SQLite {m['sqlite']}; "
        f"commit {m.get('git_commit', '?')}"
    )
    print(
        f"Load average before {report['load_average_before']}, after {report['load_average_after']}"
    )
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Figures written to {options.output}")
    if errors:
        print(f"bench: {errors} request(s) failed; see error_samples in the JSON", file=sys.stderr)
        status = status or 1
    return status


if __name__ == "__main__":
    sys.exit(main())
