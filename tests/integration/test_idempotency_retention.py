"""Idempotency keys are kept for the retention window, then forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backorders.models import IdempotencyRecord
from backorders.resolvers.persistence.idempotency import purge_expired
from tests.support import Api

RECEIVE = """mutation($i: ReceiveStockInput!) {
  receiveStock(input: $i) { salesItem { quantityOnHand } userErrors { code } } }"""


async def _receive(api: Api, key: str) -> int:
    data = await api.gql(
        RECEIVE, {"i": {"itemCode": "BC-STD", "quantity": 5, "idempotencyKey": key}}
    )
    assert data["receiveStock"]["userErrors"] == []
    return data["receiveStock"]["salesItem"]["quantityOnHand"]


async def _age(key: str, hours: float) -> None:
    created = datetime.now(UTC) - timedelta(hours=hours)
    assert await IdempotencyRecord.filter(key=key).update(created_at=created) == 1


async def test_a_key_younger_than_24_hours_still_replays(api: Api) -> None:
    await api.create_item("BC-STD")
    assert await _receive(api, "grn-1") == 5
    await _age("grn-1", 23.5)
    assert await purge_expired() == 0
    assert await _receive(api, "grn-1") == 5


async def test_purge_forgets_only_keys_past_the_retention(api: Api) -> None:
    await api.create_item("BC-STD")
    await _receive(api, "old")
    await _receive(api, "new")
    await _age("old", 25)
    assert await purge_expired() == 1
    assert await IdempotencyRecord.filter(key="new").exists()
    assert not await IdempotencyRecord.filter(key="old").exists()


async def test_an_expired_key_acts_again_when_reused(api: Api) -> None:
    await api.create_item("BC-STD")
    assert await _receive(api, "grn-2") == 5
    await _age("grn-2", 25)
    assert await _receive(api, "grn-2") == 10
    assert await _receive(api, "grn-2") == 10
