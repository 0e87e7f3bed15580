"""Real `backorders serve` processes on one PostgreSQL database, and a client for them.

A `Deployment` is a fresh database (random name, migrated with
`backorders migrate`) and N server processes, each `python -m backorders serve`
on its own free loopback port. With one worker uvicorn runs inside that
process, so its pid is the server itself (what the SIGKILL test kills).
Server output goes to a log file per process; the tails of those logs are
added to every assertion message about a failed request.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx

from backorders.auth import issue_token
from tests.servers import (
    COMMAND,
    STOP_SECONDS,
    admin,
    clean_env,
    free_port,
    stop,
    wait_healthy,
    with_database,
)

POSTGRES_URL = os.environ.get("BACKORDERS_TEST_POSTGRES_URL")
SKIP_REASON = (
    "BACKORDERS_TEST_POSTGRES_URL is not set: the multi-process tests need PostgreSQL "
    "(several server processes cannot share one SQLite file)"
)
SECRET = "processes-secret-0123456789abcdef0123456789abcdef"
STAFF = ("Administrator",)
ACCESS_LINE = re.compile(r".* backorders\.access ")
STARTED = re.compile(r"Started server process \[(\d+)\]")

PLACE = """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
  order { number status lines { id quotedQuantity pickedQuantity } }
  userErrors { code field message } } }"""
PICK = """mutation($i: PickOrderInput!) { pickOrder(input: $i) {
  order { number status lines { id quotedQuantity pickedQuantity } }
  userErrors { code field message } } }"""
SPLIT = """mutation($i: SplitRemainingInput!) { splitRemaining(input: $i) {
  order { number status } backorder { number status lines { quotedQuantity } }
  userErrors { code field message } } }"""
CONFIRM = """mutation($i: ConfirmBackorderInput!) { confirmBackorder(input: $i) {
  order { number status } userErrors { code field message } } }"""
RECEIVE = """mutation($i: ReceiveStockInput!) { receiveStock(input: $i) {
  salesItem { code quantityOnHand } userErrors { code field message } } }"""
ITEM = """query($c: String!) { salesItem(code: $c) {
  code quantityOnHand availableQuantity stockStatus } }"""
ORDERS = """query($after: String) { salesOrders(first: 100, after: $after) {
  edges { node { number status backorderOf { number } backorders { number }
    lines { id quotedQuantity pickedQuantity item { code } }
    history { fromStatus toStatus reason } } }
  pageInfo { hasNextPage endCursor } } }"""
MOVEMENTS = """query($c: String!, $after: String) {
  stockMovements(itemCode: $c, first: 100, after: $after) {
    edges { node { quantity reason reference lineId order { number } } }
    pageInfo { hasNextPage endCursor } } }"""


# ------------------------------------------------------------------ database


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new, empty database with a random name; dropped on exit (also on failure)."""
    name = f"backorders_procs_{uuid.uuid4().hex[:12]}"
    asyncio.run(admin(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(admin_url, name)
    finally:
        asyncio.run(admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def server_env(database_url: str) -> dict[str, str]:
    """This environment without any BACKORDERS_* setting, plus the deployment's own."""
    return clean_env(
        BACKORDERS_DATABASE_URL=database_url,
        BACKORDERS_JWT_SECRET=SECRET,
        BACKORDERS_IDEMPOTENCY_PURGE_INTERVAL_SECONDS="0",
    )


# ------------------------------------------------------------------ servers


class ServerProcess:
    """One `backorders serve` process on a fixed port; can be killed and started again."""

    def __init__(self, name: str, port: int, env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.port = port
        self.env = env
        self.workdir = workdir
        self.log_path = workdir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} is not running"
        return self.process.pid

    def start(self) -> None:
        """Launch the process (appending to its log); `wait_healthy` waits for it."""
        assert self.process is None, f"{self.name} is already running"
        self.starts += 1
        self._log = self.log_path.open("ab")
        self._log.write(f"===== start {self.starts} =====\n".encode())
        self._log.flush()
        self.process = subprocess.Popen(
            [*COMMAND, "serve", "--port", str(self.port)],
            cwd=self.workdir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_healthy(self) -> None:
        assert self.process is not None
        wait_healthy(self.url, self.process, self.tail, interval=0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no lifespan, open transactions cut off mid-flight."""
        assert self.process is not None and self.process.poll() is None, self.tail()
        os.kill(self.process.pid, signal.SIGKILL)
        self._reap(self.process.wait(timeout=STOP_SECONDS))

    def stop(self) -> None:
        """Terminate (graceful), then kill after a timeout; a no-op when not running."""
        if self.process is None:
            return
        stop(self.process)
        self._reap(self.process.returncode)

    def _reap(self, returncode: int) -> None:
        assert self._log is not None
        self._log.write(f"===== exited with {returncode} =====\n".encode())
        self._log.close()
        self._log = None
        self.process = None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 60) -> str:
        """The end of the log without uvicorn's access lines (errors and tracebacks stay)."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        kept = [line for line in text.splitlines() if not ACCESS_LINE.match(line)]
        state = "running" if self.alive() else "not running"
        return f"--- {self.name} ({state}) log tail ---\n" + "\n".join(kept[-lines:])

    def started_pids(self) -> list[int]:
        """The pids uvicorn logged as its server process, one per start."""
        text = self.log_path.read_text(errors="replace")
        return [int(pid) for pid in STARTED.findall(text)]


class Deployment:
    """A fresh migrated database and server processes sharing it."""

    def __init__(self, database_url: str, workdir: Path, count: int) -> None:
        self.database_url = database_url
        self.env = server_env(database_url)
        self.workdir = workdir
        self.servers = [
            ServerProcess(f"server{n}", free_port(), self.env, workdir) for n in range(count)
        ]

    @property
    def urls(self) -> list[str]:
        return [server.url for server in self.servers]

    def migrate(self) -> None:
        result = self.backorders("migrate")
        assert result.returncode == 0, result.stdout + result.stderr

    def start(self) -> None:
        for server in self.servers:
            server.start()
        for server in self.servers:
            server.wait_healthy()

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def backorders(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*COMMAND, *args],
            cwd=self.workdir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def assert_invariants_hold(self) -> None:
        """`backorders check` on the deployment's database exits 0."""
        result = self.backorders("check")
        assert result.returncode == 0, (
            f"backorders check exited {result.returncode}:\n{result.stdout}{result.stderr}"
        )
        assert "All invariants hold." in result.stdout, result.stdout

    def diagnostics(self) -> str:
        return "\n".join(server.tail() for server in self.servers)


# ------------------------------------------------------------------ client


class Client:
    """GraphQL over real HTTP to any of the deployment's servers; every answer vetted.

    No answer may be a 5xx or carry INTERNAL_SERVER_ERROR; a failed request
    reports the servers' log tails.
    """

    def __init__(self, http: httpx.AsyncClient, deployment: Deployment) -> None:
        self.http = http
        self.deployment = deployment
        self._tokens: dict[tuple[tuple[str, ...], str, str | None], str] = {}

    def token(self, roles: tuple[str, ...], sub: str, customer: str | None) -> str:
        """One token per caller, made once: a race's requests leave without signing delays."""
        key = (roles, sub, customer)
        if key not in self._tokens:
            self._tokens[key] = issue_token(SECRET, sub, list(roles), customer)
        return self._tokens[key]

    async def warm_up(self, connections: int) -> None:
        """Open `connections` keep-alive connections to every server before a race."""
        await asyncio.gather(
            *(
                self.http.get(f"{url}/healthz")
                for url in self.deployment.urls
                for _ in range(connections)
            )
        )

    async def post(
        self,
        url: str,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        roles: tuple[str, ...] = STAFF,
        sub: str = "tester",
        customer: str | None = None,
    ) -> dict[str, Any]:
        """One request; returns the body after checking it is a clean 200 without errors."""
        headers = {"Authorization": f"Bearer {self.token(roles, sub, customer)}"}
        try:
            response = await self.http.post(
                f"{url}/graphql",
                json={"query": query, "variables": variables or {}},
                headers=headers,
            )
        except httpx.TransportError as error:
            raise AssertionError(
                f"{url} did not answer: {error!r}\n{self.deployment.diagnostics()}"
            ) from error
        return self.vet(response)

    def vet(self, response: httpx.Response) -> dict[str, Any]:
        """The body of a clean 200 without GraphQL errors; never a 5xx or INTERNAL_SERVER_ERROR."""
        clean = response.status_code == 200 and "INTERNAL_SERVER_ERROR" not in response.text
        body: dict[str, Any] = response.json() if clean else {}
        if not clean or "errors" in body:
            raise AssertionError(
                f"{response.status_code} {response.text[:2000]}\n{self.deployment.diagnostics()}"
            )
        return body

    async def mutate(self, url: str, mutation: str, input_: dict[str, Any], **kw: Any) -> Any:
        """A mutation's payload (the only field of `data`)."""
        body = await self.post(url, mutation, {"i": input_}, **kw)
        (payload,) = body["data"].values()
        return payload

    async def fire(
        self, mutation: str, inputs: list[dict[str, Any]], **kw: Any
    ) -> list[dict[str, Any]]:
        """All inputs at once, alternating between the servers; payloads in input order."""
        urls = self.deployment.urls
        await self.warm_up(len(inputs) // len(urls) + 1)
        return list(
            await asyncio.gather(
                *(
                    self.mutate(urls[n % len(urls)], mutation, input_, **kw)
                    for n, input_ in enumerate(inputs)
                )
            )
        )

    # ------------------------------------------------------------- seeding

    async def ok(self, mutation: str, input_: dict[str, Any], **kw: Any) -> Any:
        """A mutation on the first server that must succeed without userErrors."""
        payload = await self.mutate(self.deployment.urls[0], mutation, input_, **kw)
        assert payload["userErrors"] == [], payload
        return payload

    async def create_customer(self, code: str) -> None:
        await self.ok(
            """mutation($i: CreateCustomerInput!) { createCustomer(input: $i) {
                 userErrors { code field message } } }""",
            {"code": code, "name": f"Customer {code}"},
        )

    async def create_item(self, code: str, on_hand: int, allow_backorder: bool) -> None:
        await self.ok(
            """mutation($i: CreateSalesItemInput!) { createSalesItem(input: $i) {
                 userErrors { code field message } } }""",
            {
                "code": code,
                "name": f"Item {code}",
                "unitPrice": "2.50",
                "allowBackorder": allow_backorder,
            },
        )
        if on_hand:
            await self.ok(RECEIVE, {"itemCode": code, "quantity": on_hand})

    async def place(self, customer: str, lines: list[tuple[str, int]]) -> dict[str, Any]:
        payload = await self.ok(
            PLACE,
            {"customerCode": customer, "lines": [{"itemCode": c, "quantity": q} for c, q in lines]},
        )
        order: dict[str, Any] = payload["order"]
        return order

    # ------------------------------------------------------------- reading

    async def item(self, code: str, url: str | None = None) -> dict[str, Any]:
        body = await self.post(url or self.deployment.urls[0], ITEM, {"c": code})
        item: dict[str, Any] = body["data"]["salesItem"]
        return item

    async def orders(self, url: str | None = None) -> dict[str, dict[str, Any]]:
        """Every order by number, read page by page."""
        found: dict[str, dict[str, Any]] = {}
        after: str | None = None
        while True:
            body = await self.post(url or self.deployment.urls[0], ORDERS, {"after": after})
            page = body["data"]["salesOrders"]
            found.update((edge["node"]["number"], edge["node"]) for edge in page["edges"])
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]

    async def movements(self, code: str, url: str | None = None) -> list[dict[str, Any]]:
        """An item's whole stock ledger, oldest first."""
        found: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            body = await self.post(
                url or self.deployment.urls[0], MOVEMENTS, {"c": code, "after": after}
            )
            page = body["data"]["stockMovements"]
            found.extend(edge["node"] for edge in page["edges"])
            if not page["pageInfo"]["hasNextPage"]:
                return found[::-1]
            after = page["pageInfo"]["endCursor"]
