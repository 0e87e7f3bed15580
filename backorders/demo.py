"""Demo data for trying the seed story; running it twice changes nothing."""

from __future__ import annotations

from decimal import Decimal

from tortoise import Tortoise

from backorders.db import tortoise_config
from backorders.models import Customer, SalesItem, StockMovement
from backorders.resolvers.persistence.ledger import MAIN_LOCATION
from backorders.resolvers.persistence.transactions import in_transaction
from backorders.resolvers.rules import MovementReason

CUSTOMERS = [("ACME", "Acme Print Co."), ("GLOBEX", "Globex Stationers")]
# code, name, unit price, allow backorder, on hand
ITEMS = [
    ("BC-STD", "Business cards, standard, box of 250", "15.00", True, 500),
    ("LH-A4", "Letterhead A4, ream", "42.50", False, 40),
    ("ENV-DL", "DL envelopes, box of 500", "28.00", True, 0),
    ("FOLDER-A4", "Presentation folder A4", "3.20", False, 0),
    ("PEN-LOGO", "Logo pen", "1.10", True, 1200),
]


async def load_demo(database_url: str) -> list[str]:
    """Create what is missing; never touch existing rows or their stock."""
    created: list[str] = []
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        for code, name in CUSTOMERS:
            _, new = await Customer.get_or_create(code=code, defaults={"name": name})
            if new:
                created.append(f"customer {code}")
        for code, name, price, allow, on_hand in ITEMS:
            async with in_transaction():
                item, new = await SalesItem.get_or_create(
                    code=code,
                    defaults={
                        "name": name,
                        "unit_price": Decimal(price),
                        "allow_backorder": allow,
                        "on_hand": on_hand,
                    },
                )
                if new and on_hand:
                    # The ledger explains every unit on hand, demo stock included.
                    await StockMovement.create(
                        item_id=item.id,
                        location=MAIN_LOCATION,
                        quantity=on_hand,
                        reason=MovementReason.ADJUSTMENT,
                        reference="demo opening balance",
                        actor="backorders demo",
                    )
            if new:
                created.append(f"item {code} ({on_hand} on hand)")
    finally:
        await Tortoise.close_connections()
    return created
