"""The seeded data: planned up front, then loaded through the public GraphQL API.

Everything goes through the mutations (customers, items, receipts, orders,
picks, splits, confirmations), so reservations, the stock ledger and the
status history are written exactly as in production, and the seed keeps
working while the service's internals change under it. It runs once per
backend; every configuration then measures on a copy (servers.py).
"""

from __future__ import annotations

import asyncio
import json
import math
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx

from bench.scenarios import (
    CUSTOMER_ORDERS,
    CUSTOMER_PAGE,
    ITEMS_PAGE,
    ORDER_DETAIL,
    ORDER_DETAIL_LINES,
    PICK_ORDER,
    PICK_POOL_LINES,
    PICK_POOL_ORDERS,
    PLACE_ORDER,
    READER,
    SEEDER,
    Seeded,
    token,
)

# The seeded catalogue (fixed, so runs stay comparable).
CUSTOMERS = 250
KEY_ACCOUNTS = 10  # customers with many orders: the SPA order-list scenario's shops
KEY_ACCOUNT_SHARE = 0.25  # of the history orders, spread over the key accounts
BACKORDER_ITEMS = 100  # allow backorder; history orders and the placeOrder scenario
NO_BACKORDER_ITEMS = 20  # no backorder; history orders only
PICK_ITEMS = 40  # the pick pool's orders only, plenty on hand
FLOOR_REFERENCE_ORDERS = 25  # order-detail answers the floor must reproduce exactly

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


class SeedError(Exception):
    """A seeding call failed: the data would not be what the scenarios expect."""


# ------------------------------------------------------------------ the plan


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
    key_accounts: list[str]
    items: list[dict[str, Any]]  # CreateSalesItemInput values
    on_hand: dict[str, int]
    history: list[PlannedOrder]
    pool: list[PlannedOrder]
    pool_line_quantity: int


def item_codes(kind: str) -> list[str]:
    counts = {"BO": BACKORDER_ITEMS, "NB": NO_BACKORDER_ITEMS, "PK": PICK_ITEMS}
    return [f"{kind}-{n:04d}" for n in range(1, counts[kind] + 1)]


def pool_line_quantity(pick_units: int) -> int:
    """The quantity of each pick-pool line so that the pool holds `pick_units` one-unit picks.

    The pool always has PICK_POOL_ORDERS orders of PICK_POOL_LINES lines: only
    the quantities grow with the run's length, so the data every pick reads
    (open claims per item) is the same whatever --duration and --max-rate say.
    """
    lines = PICK_POOL_ORDERS * PICK_POOL_LINES
    return max(40, math.ceil(pick_units / lines) + 1)


def make_plan(orders: int, pick_units: int, rng: random.Random) -> SeedPlan:
    """The seeded data, decided up front so the stock received covers every planned pick."""
    customers = [f"BC{n:04d}" for n in range(1, CUSTOMERS + 1)]
    key_accounts = customers[:KEY_ACCOUNTS]
    bo, nb, pk = item_codes("BO"), item_codes("NB"), item_codes("PK")
    # Backorder items: 65% stocked (picks happen on these), 20% short, 15% none on hand.
    stocked = {code for code in bo if rng.random() < 0.65}
    short = {code for code in bo if code not in stocked and rng.random() < 0.57}
    items = [
        {
            "code": code,
            "name": f"Bench item {code}",
            "unitPrice": f"{rng.randint(150, 25000) / 100:.2f}",
            "allowBackorder": not code.startswith("NB"),
        }
        for code in bo + nb + pk
    ]

    pickable = sorted(stocked) + nb  # lines on these items may be picked in the seed
    history: list[PlannedOrder] = []
    for _ in range(orders):
        count = rng.choices([1, 2, 3, 4, 5], weights=[25, 30, 25, 12, 8])[0]
        codes = rng.sample(bo + nb, count)
        lines = [
            (c, rng.randint(1, 10) if c.startswith("NB") else rng.randint(1, 40)) for c in codes
        ]
        shop = (
            rng.choice(key_accounts) if rng.random() < KEY_ACCOUNT_SHARE else rng.choice(customers)
        )
        order = PlannedOrder(shop, lines)
        plan_fate(order, [c in pickable for c, _ in lines], rng)
        history.append(order)

    # The pick scenario's orders: PICK_POOL_LINES lines on distinct pick items;
    # one unit less than quoted is ever picked of a line, so an order never
    # completes and every one-unit pick has something outstanding.
    quantity = pool_line_quantity(pick_units)
    pool = [
        PlannedOrder(
            rng.choice(customers), [(c, quantity) for c in rng.sample(pk, PICK_POOL_LINES)]
        )
        for _ in range(PICK_POOL_ORDERS)
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
    return SeedPlan(customers, key_accounts, items, on_hand, history, pool, quantity)


def plan_fate(order: PlannedOrder, can_pick: list[bool], rng: random.Random) -> None:
    """About 12% picked in part and split, 10% picked completely, 8% picked in part."""
    lines = order.lines
    roll = rng.random()
    if roll < 0.12 and any(can_pick):
        # Pick part, then split the rest into a backorder (half of them confirmed).
        picks = [rng.randint(1, q) if ok else 0 for (_, q), ok in zip(lines, can_pick, strict=True)]
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
            rng.randint(0, q - 1) if ok else 0 for (_, q), ok in zip(lines, can_pick, strict=True)
        ]
        if any(picks):
            order.fate, order.picks = "partial", picks


# ------------------------------------------------------------------ loading


def problem_in(response: httpx.Response, field_name: str | None = None) -> str | None:
    """What is wrong with a GraphQL response (None: nothing), without trusting its shape."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    try:
        answer = response.json()
    except ValueError:
        return f"not JSON: {response.text[:300]}"
    if not isinstance(answer, dict):
        return f"not a JSON object: {response.text[:300]}"
    if answer.get("errors"):
        return f"GraphQL errors: {json.dumps(answer['errors'])[:300]}"
    data = answer.get("data")
    if not isinstance(data, dict):
        return f"no data: {response.text[:300]}"
    if field_name is not None:
        payload = data.get(field_name)
        if isinstance(payload, dict) and payload.get("userErrors"):
            return f"userErrors: {json.dumps(payload['userErrors'])[:300]}"
    return None


class Api:
    """GraphQL calls to the seeding server; any failure aborts the run."""

    def __init__(self, client: httpx.AsyncClient, secret: str) -> None:
        self.client = client
        self.secret = secret

    async def call(
        self,
        bearer: str,
        query: str,
        variables: dict[str, Any],
        field_name: str,
        path: str = "/graphql",
    ) -> Any:
        response = await self.client.post(
            path,
            json={"query": query, "variables": variables},
            # A new connection per call spreads the seeding over the server's workers.
            headers={"Authorization": f"Bearer {bearer}", "Connection": "close"},
        )
        problem = problem_in(response, field_name)
        if problem:
            raise SeedError(f"seeding {field_name} {json.dumps(variables)[:200]}: {problem}")
        return response.json()["data"][field_name]


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


@dataclass(frozen=True)
class SeedResult:
    seeded: Seeded
    # Order-detail answers (`data`) by order number, read back from the service:
    # the floor must return exactly these on a copy of the same database.
    floor_reference: dict[str, Any]


async def seed(base_url: str, secret: str, plan: SeedPlan, concurrency: int) -> SeedResult:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:
        return await load_plan(Api(client, secret), plan, concurrency)


async def load_plan(api: Api, plan: SeedPlan, concurrency: int) -> SeedResult:
    admin = token(api.secret, *SEEDER)
    call = partial(api.call, admin)
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

    cursors = await item_cursors(api)
    await check_key_accounts(api, plan.key_accounts)
    # Orders placed with three lines and never split (a split moves lines away).
    detail_numbers = [
        r["number"]
        for order, r in zip(plan.history, history_placed, strict=True)
        if len(r["lines"]) == ORDER_DETAIL_LINES and order.fate != "split"
    ]
    status_numbers = [r["number"] for r in history_placed] + list(backorders)
    # The floor is checked on every kind of order: open, picked, split, backorders.
    step = max(1, len(status_numbers) // FLOOR_REFERENCE_ORDERS)
    reference = await floor_reference(api, status_numbers[::step])
    seeded = Seeded(
        order_detail_numbers=detail_numbers,
        status_numbers=status_numbers,
        item_cursors=cursors,
        key_accounts=plan.key_accounts,
        backorder_items=item_codes("BO"),
        customers=plan.customers,
        pool=[(r["number"], [line["id"] for line in r["lines"]]) for r in pool_placed],
        pool_line_quantity=plan.pool_line_quantity,
        counts={
            "customers": len(plan.customers),
            "items": len(plan.items),
            "history_orders": len(plan.history),
            "pick_pool_orders": len(plan.pool),
            "orders_picked": len(picks),
            "orders_split": len(splits),
            "backorders_confirmed": sum(o.confirm_backorder for o, _ in splits),
            "orders_and_backorders": len(placed) + len(backorders),
            "order_lines": sum(len(o.lines) for o in everything),
            "three_line_orders": len(detail_numbers),
        },
    )
    return SeedResult(seeded, reference)


async def item_cursors(api: Api) -> list[str | None]:
    """`after` of every page that still holds 50 items (None: the first page)."""
    reader = token(api.secret, *READER)
    cursors: list[str | None] = [None]
    after: str | None = None
    while True:
        payload = await api.call(reader, ITEMS_PAGE, {"after": after}, "salesItems")
        cursors.extend(edge["cursor"] for edge in payload["edges"])
        if not payload["pageInfo"]["hasNextPage"]:
            break
        after = payload["pageInfo"]["endCursor"]
    return cursors[: len(cursors) - 50]  # the last 50 cursors start shorter pages


async def check_key_accounts(api: Api, codes: list[str]) -> None:
    """Each key account's SPA order list must be a full page, or the scenario measures less."""
    for code in codes:
        bearer = token(api.secret, f"shop-{code}", ["Customer"], customer=code)
        page = await api.call(bearer, CUSTOMER_ORDERS, {}, "salesOrders", path="/spa/graphql")
        if len(page["edges"]) != CUSTOMER_PAGE:
            raise SeedError(f"customer {code} has {len(page['edges'])} orders, not 20 or more")


async def floor_reference(api: Api, numbers: list[str]) -> dict[str, Any]:
    reader = token(api.secret, *READER)
    answers = {}
    for number in numbers[:FLOOR_REFERENCE_ORDERS]:
        answers[number] = await api.call(reader, ORDER_DETAIL, {"n": number}, "salesOrder")
    return answers
