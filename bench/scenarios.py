"""The measured scenarios: their GraphQL documents, who sends them, and their request bodies.

Every body is prepared before a measurement starts (load.py hands them to
wrk), so the client only sends and checks. A scenario also says what every
answer must contain beyond the generic checks (HTTP 200, no `errors`, no
`userErrors`), as Lua patterns the wrk script counts.

Tokens are minted here with PyJWT from the documented contract (HS256, claims
`sub`, `roles`, `exp`, `customer`), not through the service's own code, so
the bench does not depend on internals that are being changed.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

# Run order: the reads first (the floor before all of them), then the writes,
# which change what later reads would see.
SCENARIOS = (
    "order_detail",
    "items_page",
    "customer_orders",
    "partner_status",
    "place_order",
    "pick_one",
)
FLOOR = "floor"
TITLES = {
    FLOOR: "floor: order detail without GraphQL or ORM",
    "order_detail": "order detail (`salesOrder`, 3 lines, items, stock, in stock)",
    "items_page": "`salesItems` page of 50",
    "customer_orders": "customer's order list (SPA `salesOrders(first: 20)`)",
    "partner_status": "partner polls 20 order statuses (20 aliases)",
    "place_order": "`placeOrder`, 3 lines, idempotency key",
    "pick_one": "`pickOrder`, 1 unit, idempotency key",
}

KEY_PLACEHOLDER = "@@BENCH-KEY@@"  # where load.py's wrk script puts each request's key
PICK_POOL_ORDERS = 100
PICK_POOL_LINES = 3
ORDER_DETAIL_LINES = 3
CUSTOMER_PAGE = 20
PARTNER_BATCH = 20

# --------------------------------------------------------------- documents

ORDER_DETAIL = """query OrderDetail($n: String!) {
  salesOrder(number: $n) {
    number status
    customer { code name }
    lines {
      quotedQuantity pickedQuantity outstandingQuantity inStockQuantity unitPrice
      item { code name stockStatus quantityOnHand availableQuantity }
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

CUSTOMER_ORDERS = """query CustomerOrders {
  salesOrders(first: 20) {
    edges { node {
      number status total
      lines { quotedQuantity outstandingQuantity item { code } } } }
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


def partner_status_document(count: int = PARTNER_BATCH) -> str:
    """One query, `count` aliased `salesOrder` lookups; numbers as variables, as clients send."""
    variables = ", ".join(f"$n{i}: String!" for i in range(count))
    lookups = "\n".join(
        f"  o{i}: salesOrder(number: $n{i}) {{ number status }}" for i in range(count)
    )
    return f"query PartnerStatus({variables}) {{\n{lookups}\n}}"


PARTNER_STATUS = partner_status_document()

# --------------------------------------------------------------- principals

READER = ("bench-reader", ["Sales"])
SALES = ("bench-sales", ["Sales"])
PARTNER = ("bench-partner", ["Sales"])
PICKER = ("bench-picker", ["Warehouse"])
SEEDER = ("bench-seed", ["Administrator"])


def token(secret: str, sub: str, roles: list[str], customer: str | None = None) -> str:
    """A bearer token as the README specifies it, valid for the whole run."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {"sub": sub, "roles": roles, "iat": now}
    claims["exp"] = now + timedelta(hours=12)
    if customer is not None:
        claims["customer"] = customer
    return jwt.encode(claims, secret, algorithm="HS256")


def body(query: str, variables: dict[str, Any] | None = None) -> str:
    """A GraphQL POST body, compact JSON (never a raw tab or newline: load.py relies on it)."""
    payload: dict[str, Any] = {"query": query}
    if variables:
        payload["variables"] = variables
    return json.dumps(payload, separators=(",", ":"))


# --------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Seeded:
    """What the scenarios need to know about the seeded data (seeding.py fills it in)."""

    order_detail_numbers: list[str]  # orders with exactly three lines
    status_numbers: list[str]  # every seeded order and backorder (not the pick pool)
    item_cursors: list[str | None]  # `after` values whose page holds 50 items
    key_accounts: list[str]  # customers with at least 20 orders
    backorder_items: list[str]  # items that allow backorders (place_order)
    customers: list[str]
    pool: list[tuple[str, list[str]]]  # pick-pool orders: number, line ids
    pool_line_quantity: int  # quoted on every pool line; one unit less is ever picked
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    """One prepared request: which token sends it and its body.

    A keyed body holds KEY_PLACEHOLDER once, inside the `idempotencyKey` string;
    the wrk script puts a key there that no other request of the run uses.
    """

    token: int
    body: str


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str  # /graphql or /spa/graphql
    tokens: list[str]
    requests: list[Request]
    # Rotate through the requests forever (reads; mutations whose key makes
    # each one new), or stop at the end of the list (the pick pool): a request
    # beyond it sends `exhausted_body`, which the server refuses, an error.
    cycle: bool = True
    keyed: bool = False
    expect: list[tuple[str, int]] = field(default_factory=list)  # Lua pattern, exact count
    forbid: list[str] = field(default_factory=list)  # Lua patterns
    exhausted_body: str | None = None

    @property
    def title(self) -> str:
        return TITLES[self.name]


def string_field(name: str, value: str) -> str:
    """A Lua pattern for `"name":"value"` in compact or spaced JSON."""
    return f'"{name}"%s*:%s*"{value}"'


NOT_NULL_NUMBER = "%s*:%s*%-?%d"


def order_detail(seeded: Seeded, secret: str, rng: random.Random, count: int) -> Scenario:
    numbers = [rng.choice(seeded.order_detail_numbers) for _ in range(count)]
    return Scenario(
        "order_detail",
        "/graphql",
        [token(secret, *READER)],
        [Request(0, body(ORDER_DETAIL, {"n": n})) for n in numbers],
        # Three lines, each with its in-stock figure (a Sales token sees stock).
        expect=[(f'"inStockQuantity"{NOT_NULL_NUMBER}', ORDER_DETAIL_LINES)],
    )


def floor(seeded: Seeded, secret: str, rng: random.Random, count: int) -> Scenario:
    """The order detail's requests, sent to the floor app: same bodies, same checks."""
    detail = order_detail(seeded, secret, rng, count)
    return Scenario(FLOOR, detail.path, detail.tokens, detail.requests, expect=detail.expect)


def items_page(seeded: Seeded, secret: str, rng: random.Random, count: int) -> Scenario:
    afters = [rng.choice(seeded.item_cursors) for _ in range(count)]
    return Scenario(
        "items_page",
        "/graphql",
        [token(secret, *READER)],
        [Request(0, body(ITEMS_PAGE, {"after": a})) for a in afters],
        expect=[('"cursor"', 50), (f'"availableQuantity"{NOT_NULL_NUMBER}', 50)],
    )


def customer_orders(seeded: Seeded, secret: str) -> Scenario:
    """The SPA's order list, one Customer token per key account, in turn."""
    tokens = [
        token(secret, f"shop-{code}", ["Customer"], customer=code) for code in seeded.key_accounts
    ]
    document = body(CUSTOMER_ORDERS)
    return Scenario(
        "customer_orders",
        "/spa/graphql",
        tokens,
        [Request(index, document) for index in range(len(tokens))],
        expect=[('"status"', CUSTOMER_PAGE)],
    )


def partner_status(seeded: Seeded, secret: str, rng: random.Random) -> Scenario:
    """Batches of 20 seeded numbers, each number in one batch, shuffled once."""
    numbers = list(seeded.status_numbers)
    rng.shuffle(numbers)
    batches = math.ceil(len(numbers) / PARTNER_BATCH)
    requests = []
    for batch in range(batches):
        chosen = [numbers[(batch * PARTNER_BATCH + i) % len(numbers)] for i in range(PARTNER_BATCH)]
        variables = {f"n{i}": number for i, number in enumerate(chosen)}
        requests.append(Request(0, body(PARTNER_STATUS, variables)))
    return Scenario(
        "partner_status",
        "/graphql",
        [token(secret, *PARTNER)],
        requests,
        expect=[('"status"', PARTNER_BATCH)],
    )


def place_order(seeded: Seeded, secret: str, rng: random.Random, count: int) -> Scenario:
    """Three distinct items that allow backorders (never refused for stock), a fresh key each."""
    requests = []
    for index in range(count):
        fields: dict[str, Any] = {
            "customerCode": rng.choice(seeded.customers),
            "reference": f"bench-place-{index}",
            "lines": [
                {"itemCode": code, "quantity": rng.randint(1, 10)}
                for code in rng.sample(seeded.backorder_items, 3)
            ],
            "idempotencyKey": KEY_PLACEHOLDER,
        }
        requests.append(Request(0, body(PLACE_ORDER, {"i": fields})))
    return Scenario(
        "place_order",
        "/graphql",
        [token(secret, *SALES)],
        requests,
        keyed=True,
        expect=[(string_field("status", "CONFIRMED"), 1), ('"quotedQuantity"', 3)],
    )


def pick_tasks(pool: Sequence[tuple[str, list[str]]], line_quantity: int) -> list[tuple[str, str]]:
    """(order number, line id) per one-unit pick, round-robin over the pool's orders.

    Neighbours in time hit different orders, and no line is asked for more
    than all but one of its units, so every pick can succeed in whatever order
    they land and no pool order ever completes.
    """
    return [
        (number, line_ids[line])
        for _ in range(line_quantity - 1)
        for line in range(PICK_POOL_LINES)
        for number, line_ids in pool
    ]


def pick_one(seeded: Seeded, secret: str) -> Scenario:
    requests = []
    for number, line_id in pick_tasks(seeded.pool, seeded.pool_line_quantity):
        fields = {
            "orderNumber": number,
            "lines": [{"lineId": line_id, "quantity": 1}],
            "idempotencyKey": KEY_PLACEHOLDER,
        }
        requests.append(Request(0, body(PICK_ORDER, {"i": fields})))
    exhausted = {
        "orderNumber": "999999999",
        "lines": [{"lineId": "0", "quantity": 1}],
        "idempotencyKey": "bench-pick-pool-ran-dry",
    }
    return Scenario(
        "pick_one",
        "/graphql",
        [token(secret, *PICKER)],
        requests,
        cycle=False,
        keyed=True,
        expect=[(string_field("status", "CONFIRMED"), 1)],
        exhausted_body=body(PICK_ORDER, {"i": exhausted}),
    )


def build(
    names: Sequence[str], seeded: Seeded, secret: str, seed: int, rotation: int
) -> dict[str, Scenario]:
    """The scenarios asked for (and the floor), the same for every configuration of a backend.

    `rotation` is how many distinct bodies a rotating scenario holds; wrk
    cycles through them.
    """
    rng = random.Random(seed)
    built: dict[str, Scenario] = {}
    for name in names:
        if name == "order_detail":
            built[name] = order_detail(seeded, secret, rng, rotation)
        elif name == "items_page":
            built[name] = items_page(seeded, secret, rng, rotation)
        elif name == "customer_orders":
            built[name] = customer_orders(seeded, secret)
        elif name == "partner_status":
            built[name] = partner_status(seeded, secret, rng)
        elif name == "place_order":
            built[name] = place_order(seeded, secret, rng, rotation)
        elif name == "pick_one":
            built[name] = pick_one(seeded, secret)
        else:
            raise ValueError(f"unknown scenario {name!r}")
    built[FLOOR] = floor(seeded, secret, random.Random(seed), rotation)
    return built
