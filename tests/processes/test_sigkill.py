"""SIGKILL a server process in the middle of a stream of mutations, then restart it.

One client task sends a fixed sequence of mutations, each with its own
idempotency key, to one server process; partway through, that process (the
uvicorn server itself) gets SIGKILL. Whatever was acknowledged must be in the
database with all its effects, the one mutation in flight either wholly
there or wholly absent, and `backorders check` must pass. The process is
restarted on the same port and the unacknowledged mutations retried with
their keys: each takes effect at most once, so the end state is exactly that
of an uninterrupted run.

The sequence repeats one cycle per order; every figure it produces is known
in advance (orders are numbered gaplessly, default picks take what is in
stock), so the test keeps a small model of the expected state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.processes.support import (
    CONFIRM,
    PICK,
    PLACE,
    RECEIVE,
    SPLIT,
    STAFF,
    Client,
    Deployment,
)
from tests.servers import asyncpg_url

ITEM = "PAPER"
CYCLES = 6
SUB = "stream"
OPEN = {"ON_HOLD", "CONFIRMED", "PAID", "ON_BACKORDER"}
MAX_POLLS = 3000
# A statement inside an explicit transaction (after its BEGIN) that starts with $1.
IN_TRANSACTION = """
SELECT state, left(query, 60) AS query FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
  AND (state = 'idle in transaction' OR (state = 'active' AND xact_start < query_start))
  AND starts_with(query, $1)
LIMIT 1"""


@dataclass
class Order:
    status: str
    lines: list[tuple[int, int]]  # (quoted, picked)
    backorder_of: str | None = None
    history: list[tuple[str | None, str]] = field(default_factory=list)


@dataclass
class State:
    """What the API shows: orders, the item's ledger and its stock figures."""

    orders: dict[str, Order] = field(default_factory=dict)
    movements: list[tuple[str, int, str | None, str]] = field(default_factory=list)

    def figures(self) -> tuple[int, int]:
        """(quantityOnHand, availableQuantity) as the model implies them."""
        on_hand = sum(quantity for _, quantity, _, _ in self.movements)
        outstanding = sum(
            quoted - picked
            for order in self.orders.values()
            if order.status in OPEN
            for quoted, picked in order.lines
        )
        return on_hand, on_hand - outstanding

    def summary(self) -> dict[str, Any]:
        return {
            "orders": {
                number: (o.status, o.lines, o.backorder_of, o.history)
                for number, o in sorted(self.orders.items())
            },
            "movements": sorted(self.movements, key=repr),
            "figures": self.figures(),
        }


@dataclass(frozen=True)
class Step:
    key: str
    mutation: str
    input: dict[str, Any]
    effect: Callable[[State], None]
    order: str | None = None  # the order its payload names (placeOrder: the one it creates)

    @property
    def variables(self) -> dict[str, Any]:
        return {"i": {**self.input, "idempotencyKey": self.key}}


def cycle(n: int) -> list[Step]:
    """Receive 3, order 5, pick 3, split 2 off, receive 2, confirm and pick the backorder."""
    number = str(1001 + n)  # gapless: a placeOrder cut off by the kill leaves no gap
    backorder = f"{number}-001"

    def receive(quantity: int, key: str) -> Callable[[State], None]:
        return lambda s: s.movements.append(("RECEIPT", quantity, None, key))

    def place(s: State) -> None:
        s.orders[number] = Order("CONFIRMED", [(5, 0)], None, [(None, "CONFIRMED")])

    def pick(s: State) -> None:
        s.orders[number].lines = [(5, 3)]
        s.movements.append(("PICK", -3, number, ""))

    def split(s: State) -> None:
        s.orders[number].status = "PICKED"
        s.orders[number].lines = [(3, 3)]
        s.orders[number].history.append(("CONFIRMED", "PICKED"))
        s.orders[backorder] = Order("ON_BACKORDER", [(2, 0)], number, [(None, "ON_BACKORDER")])

    def confirm(s: State) -> None:
        s.orders[backorder].status = "CONFIRMED"
        s.orders[backorder].history.append(("ON_BACKORDER", "CONFIRMED"))

    def pick_backorder(s: State) -> None:
        s.orders[backorder].status = "PICKED"
        s.orders[backorder].lines = [(2, 2)]
        s.orders[backorder].history.append(("CONFIRMED", "PICKED"))
        s.movements.append(("PICK", -2, backorder, ""))

    key = f"cycle-{n}"
    return [
        Step(
            f"{key}-receive-3",
            RECEIVE,
            {"itemCode": ITEM, "quantity": 3, "reference": f"{key}-receive-3"},
            receive(3, f"{key}-receive-3"),
        ),
        Step(
            f"{key}-place",
            PLACE,
            {"customerCode": "ACME", "lines": [{"itemCode": ITEM, "quantity": 5}]},
            place,
            number,
        ),
        Step(f"{key}-pick", PICK, {"orderNumber": number}, pick, number),
        Step(f"{key}-split", SPLIT, {"orderNumber": number}, split, number),
        Step(
            f"{key}-receive-2",
            RECEIVE,
            {"itemCode": ITEM, "quantity": 2, "reference": f"{key}-receive-2"},
            receive(2, f"{key}-receive-2"),
        ),
        Step(f"{key}-confirm", CONFIRM, {"orderNumber": backorder}, confirm, backorder),
        Step(f"{key}-pick-backorder", PICK, {"orderNumber": backorder}, pick_backorder, backorder),
    ]


STEPS = [step for n in range(CYCLES) for step in cycle(n)]


def expected(steps: list[Step]) -> dict[str, Any]:
    state = State()
    for step in steps:
        step.effect(state)
    return state.summary()


async def observed(client: Client, url: str) -> dict[str, Any]:
    """The same summary, read over HTTP from the server at `url`."""
    state = State()
    for number, order in (await client.orders(url)).items():
        state.orders[number] = Order(
            order["status"],
            [(line["quotedQuantity"], line["pickedQuantity"]) for line in order["lines"]],
            order["backorderOf"]["number"] if order["backorderOf"] else None,
            [(h["fromStatus"], h["toStatus"]) for h in order["history"]],
        )
    state.movements = [
        (m["reason"], m["quantity"], m["order"]["number"] if m["order"] else None, m["reference"])
        for m in await client.movements(ITEM, url)
    ]
    summary = state.summary()
    item = await client.item(ITEM, url)
    summary["figures"] = (item["quantityOnHand"], item["availableQuantity"])
    return summary


async def stream(
    client: Client, url: str, steps: list[Step], kill_at: int, kill: asyncio.Event
) -> int:
    """Send the steps one by one until one goes unanswered; return how many were acknowledged.

    Sets `kill` just before sending step `kill_at`.
    """
    for index, step in enumerate(steps):
        if index == kill_at:
            kill.set()
        try:
            response = await client.http.post(
                f"{url}/graphql",
                json={"query": step.mutation, "variables": step.variables},
                headers={"Authorization": f"Bearer {client.token(STAFF, SUB, None)}"},
            )
        except httpx.TransportError:
            return index
        acknowledge(step, client.vet(response))
    return len(steps)


def acknowledge(step: Step, body: dict[str, Any]) -> None:
    """The step's answer: no userErrors, and about the order it should be about."""
    (payload,) = body["data"].values()
    assert payload["userErrors"] == [], (step.key, payload)
    if step.order is not None:
        assert payload["order"]["number"] == step.order, (step.key, payload)


async def kill_inside_a_transaction(
    deployment: Deployment, start: asyncio.Event, statement: str
) -> str:
    """From `start` on, SIGKILL the victim once PostgreSQL shows it mid-transaction.

    Only the victim takes writes meanwhile, so a transaction of this database
    is the victim's mutation in flight. Waits for one that has got as far as
    `statement` (the mutation's first writes done, the rest not yet); after a
    bounded number of polls any open transaction will do. Says what it caught.
    """
    import asyncpg

    victim = deployment.servers[0]
    connection = await asyncpg.connect(asyncpg_url(deployment.database_url))
    try:
        await start.wait()
        for poll in range(MAX_POLLS):
            wanted = statement if poll < MAX_POLLS // 2 else ""
            row = await connection.fetchrow(IN_TRANSACTION, wanted)
            if row is not None:
                victim.kill()
                return f"inside a transaction ({row['state']}: {row['query']!r})"
        victim.kill()
        return "without seeing a transaction open"
    finally:
        await connection.close()


async def send(client: Client, url: str, step: Step) -> None:
    """One step that must be acknowledged (applied now, or replayed from its key)."""
    acknowledge(step, await client.post(url, step.mutation, step.variables, sub=SUB))


# Step 7n + i of cycle n is: 0 receive 3, 1 place, 2 pick, 3 split, 4 receive 2, 5 confirm,
# 6 pick the backorder. Each run cuts one kind of mutation off halfway through its transaction.
KILLS = {
    "receive: stock raised, no movement yet": (11, 'UPDATE "sales_item" SET "on_hand"="on_hand"+'),
    "place: stock reserved, no order yet": (8, "UPDATE sales_item SET reserved"),
    "pick: line picked, no movement yet": (16, "UPDATE sales_order_line SET picked"),
    "split: backorder made, status unchanged": (24, 'INSERT INTO "sales_order_line"'),
    "confirm: status changed, no history yet": (33, 'UPDATE "sales_order" SET "status"'),
    "backorder pick: stock taken, line unpicked": (34, "UPDATE sales_item SET on_hand = on_hand -"),
}


@pytest.mark.parametrize(("kill_at", "statement"), KILLS.values(), ids=KILLS.keys())
async def test_a_server_killed_mid_stream_loses_no_acknowledged_mutation_and_applies_retries_once(
    deployment: Deployment, kill_at: int, statement: str
) -> None:
    victim, survivor = deployment.servers
    assert victim.started_pids() == [victim.pid]  # uvicorn serves inside the process we kill

    async with httpx.AsyncClient(timeout=60) as http:
        client = Client(http, deployment)
        await client.create_customer("ACME")
        await client.create_item(ITEM, on_hand=0, allow_backorder=True)

        kill = asyncio.Event()
        killing = asyncio.create_task(kill_inside_a_transaction(deployment, kill, statement))
        try:
            acknowledged = await stream(client, victim.url, STEPS, kill_at, kill)
        finally:
            kill.set()
            caught = await killing
    context = f"killed before step {kill_at} ({STEPS[kill_at].key}) {caught}"
    assert kill_at <= acknowledged < len(STEPS), context
    context += f"; {acknowledged} acknowledged"

    async with httpx.AsyncClient(timeout=60) as http:
        client = Client(http, deployment)
        # While the victim is down: every acknowledged mutation is there with all its
        # effects; the one in flight is wholly there or wholly absent.
        after_kill = await observed(client, survivor.url)
        if after_kill != expected(STEPS[: acknowledged + 1]):  # committed, answer lost
            assert after_kill == expected(STEPS[:acknowledged]), context
        deployment.assert_invariants_hold()

        victim.start()
        victim.wait_healthy()
        assert victim.started_pids()[-1] == victim.pid  # a new process on the same port
        # The unacknowledged mutations again, with their keys, at the restarted process.
        for step in STEPS[acknowledged:]:
            await send(client, victim.url, step)
        assert await observed(client, victim.url) == expected(STEPS), context

        # Every key once more, at both processes at once: replays, no new effect.
        await asyncio.gather(
            *(send(client, deployment.urls[n % 2], step) for n, step in enumerate(STEPS))
        )
        assert await observed(client, survivor.url) == expected(STEPS), context
    deployment.assert_invariants_hold()
