"""Two real server processes on one PostgreSQL database, hit at once over HTTP.

Each race sends its requests all at once with asyncio.gather, alternating
between the two processes, so the transactions really interleave in
PostgreSQL from two connection pools. No answer may be a 500. Afterwards the
state is read back over HTTP and every test ends with `backorders check`.
"""

from __future__ import annotations

import asyncio

from tests.processes.support import (
    CONFIRM,
    PICK,
    PLACE,
    RECEIVE,
    SPLIT,
    Client,
    Deployment,
)
from tests.support import outcomes


async def watch_on_hand(client: Client, code: str, done: asyncio.Event) -> list[int]:
    """Read the item's stock on hand from both processes until `done` (bounded)."""
    seen: list[int] = []
    urls = client.deployment.urls
    for n in range(200):
        if done.is_set():
            break
        seen.append((await client.item(code, urls[n % len(urls)]))["quantityOnHand"])
    return seen


async def test_pickers_racing_across_processes_pick_every_unit_exactly_once(
    client: Client, deployment: Deployment
) -> None:
    await client.create_customer("ACME")
    await client.create_item("INK", on_hand=20, allow_backorder=True)
    orders = [await client.place("ACME", [("INK", 1 + n % 3)]) for n in range(25)]  # 50 units
    # Two pickers per order, one at each process, each picking the whole line.
    inputs = [
        {
            "orderNumber": order["number"],
            "lines": [{"lineId": order["lines"][0]["id"], "quantity": 1 + n % 3}],
        }
        for n, order in enumerate(orders)
        for _ in range(2)
    ]

    done = asyncio.Event()
    watcher = asyncio.create_task(watch_on_hand(client, "INK", done))
    try:
        payloads = await client.fire(PICK, inputs)
    finally:
        done.set()
        seen = await watcher

    counted = outcomes(payloads)
    assert set(counted) <= {"ok", "INSUFFICIENT_STOCK", "INVALID_STATUS"}, counted
    assert min(seen) >= 0, seen
    item = await client.item("INK")
    assert item["quantityOnHand"] >= 0
    after = await client.orders()
    picked_total = 0
    for n, order in enumerate(orders):
        wanted = 1 + n % 3
        twins = payloads[2 * n : 2 * n + 2]
        won = [p for p in twins if not p["userErrors"]]
        assert len(won) <= 1, twins  # the same line is never picked twice
        line = after[order["number"]]["lines"][0]
        assert line["pickedQuantity"] == (wanted if won else 0), (order["number"], twins)
        if not won:
            # Turned away only because too little was left for it.
            assert wanted > item["quantityOnHand"], (order["number"], twins, item)
        picked_total += line["pickedQuantity"]
    assert picked_total == 20 - item["quantityOnHand"]
    assert counted["ok"] == sum(1 for o in after.values() if o["lines"][0]["pickedQuantity"])

    movements = await client.movements("INK")
    picks = [m for m in movements if m["reason"] == "PICK"]
    assert -sum(m["quantity"] for m in picks) == picked_total
    assert len(picks) == counted["ok"]  # one movement per successful pick, none for refusals
    assert sum(m["quantity"] for m in movements) == item["quantityOnHand"]
    deployment.assert_invariants_hold()


async def test_customers_racing_for_an_item_without_backorders_never_over_reserve_it(
    client: Client, deployment: Deployment
) -> None:
    customers = ["ACME", "BOLT", "CREST", "DUNE"]
    for code in customers:
        await client.create_customer(code)
    await client.create_item("PAPER", on_hand=11, allow_backorder=False)
    await client.warm_up(24)

    payloads = await asyncio.gather(
        *(
            client.mutate(
                client.deployment.urls[n % 2],
                PLACE,
                {"lines": [{"itemCode": "PAPER", "quantity": 3}]},
                roles=("Customer",),
                sub=f"shop-{customers[n % 4]}",
                customer=customers[n % 4],
            )
            for n in range(48)
        )
    )

    counted = outcomes(list(payloads))
    assert counted == {"ok": 3, "INSUFFICIENT_STOCK": 45}, counted  # floor(11 / 3)
    numbers = sorted(p["order"]["number"] for p in payloads if not p["userErrors"])
    assert numbers == ["1001", "1002", "1003"]
    assert set(await client.orders()) == set(numbers)
    for url in client.deployment.urls:
        item = await client.item("PAPER", url)
        assert (item["quantityOnHand"], item["availableQuantity"]) == (11, 2), url
    deployment.assert_invariants_hold()


async def test_one_order_split_many_times_across_processes_gets_exactly_one_backorder(
    client: Client, deployment: Deployment
) -> None:
    await client.create_customer("ACME")
    await client.create_item("CARD", on_hand=6, allow_backorder=True)
    order = await client.place("ACME", [("CARD", 10)])
    await client.ok(PICK, {"orderNumber": order["number"]})

    payloads = await client.fire(
        SPLIT,
        [{"orderNumber": order["number"], "status": "PACKED", "additionalShippingCharge": "4.00"}]
        * 40,
    )

    assert outcomes(payloads) == {"ok": 1, "INVALID_STATUS": 39}
    (won,) = [p for p in payloads if not p["userErrors"]]
    assert won["backorder"]["number"] == f"{order['number']}-001"
    after = await client.orders()
    assert set(after) == {order["number"], f"{order['number']}-001"}
    original, backorder = after[order["number"]], after[f"{order['number']}-001"]
    assert original["status"] == "PACKED"
    assert original["backorders"] == [{"number": backorder["number"]}]
    assert original["lines"][0]["quotedQuantity"] == 6
    assert backorder["lines"][0]["quotedQuantity"] == 4
    assert [(h["fromStatus"], h["toStatus"]) for h in original["history"]] == [
        (None, "CONFIRMED"),
        ("CONFIRMED", "PACKED"),
    ]
    assert [(h["fromStatus"], h["toStatus"]) for h in backorder["history"]] == [
        (None, "ON_BACKORDER")
    ]
    deployment.assert_invariants_hold()


async def test_one_backorder_confirmed_many_times_across_processes_transitions_once(
    client: Client, deployment: Deployment
) -> None:
    await client.create_customer("ACME")
    await client.create_item("CARD", on_hand=5, allow_backorder=True)
    order = await client.place("ACME", [("CARD", 8)])
    await client.ok(PICK, {"orderNumber": order["number"]})
    backorder = (await client.ok(SPLIT, {"orderNumber": order["number"]}))["backorder"]["number"]

    payloads = await client.fire(CONFIRM, [{"orderNumber": backorder}] * 40)

    assert outcomes(payloads) == {"ok": 1, "INVALID_STATUS": 39}
    after = (await client.orders())[backorder]
    assert after["status"] == "CONFIRMED"
    assert [(h["fromStatus"], h["toStatus"]) for h in after["history"]] == [
        (None, "ON_BACKORDER"),
        ("ON_BACKORDER", "CONFIRMED"),
    ]
    deployment.assert_invariants_hold()


async def test_retries_with_one_idempotency_key_at_both_processes_take_effect_once(
    client: Client, deployment: Deployment
) -> None:
    await client.create_customer("ACME")
    await client.create_item("INK", on_hand=10, allow_backorder=False)
    stocked = await client.place("ACME", [("INK", 4)])

    placed, received, picked = await asyncio.gather(
        client.fire(
            PLACE,
            [
                {
                    "customerCode": "ACME",
                    "lines": [{"itemCode": "INK", "quantity": 2}],
                    "idempotencyKey": "place-once",
                }
            ]
            * 20,
        ),
        client.fire(
            RECEIVE, [{"itemCode": "INK", "quantity": 7, "idempotencyKey": "receive-once"}] * 20
        ),
        client.fire(
            PICK,
            [
                {
                    "orderNumber": stocked["number"],
                    "lines": [{"lineId": stocked["lines"][0]["id"], "quantity": 1}],
                    "idempotencyKey": "pick-once",
                }
            ]
            * 20,
        ),
    )

    for payloads in (placed, received, picked):
        assert outcomes(payloads) == {"ok": 20}
    assert {p["order"]["number"] for p in placed} == {"1002"}
    assert set(await client.orders()) == {stocked["number"], "1002"}
    movements = await client.movements("INK")
    assert sorted((m["reason"], m["quantity"]) for m in movements) == [
        ("PICK", -1),
        ("RECEIPT", 7),
        ("RECEIPT", 10),
    ]
    after = await client.orders()
    assert after[stocked["number"]]["lines"][0]["pickedQuantity"] == 1
    item = await client.item("INK")
    # 10 received + 7 once - 1 picked once; reserved: 3 still on 1001, 2 on 1002.
    assert (item["quantityOnHand"], item["availableQuantity"]) == (16, 11)
    deployment.assert_invariants_hold()
