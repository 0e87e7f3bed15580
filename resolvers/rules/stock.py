"""Stock figures: available, the label everyone sees, what may be reserved, a line's share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from backorders.enums import StockStatus
from backorders.resolvers.rules.errors import DomainError, ErrorCode

# Stock counters (on hand, reserved, available) must fit the 32-bit `Int` the
# schema and the columns carry; a change that would take one outside is refused.
INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1


def available(on_hand: int, reserved: int) -> int:
    return on_hand - reserved


def stock_status(available_quantity: int, allow_backorder: bool) -> StockStatus:
    if available_quantity > 0:
        return StockStatus.IN_STOCK
    return StockStatus.ON_BACKORDER if allow_backorder else StockStatus.OUT_OF_STOCK


def counter_overflow(field: str | None = None) -> DomainError:
    """A change that would take a stock counter beyond what can be recorded (no figure in it)."""
    return DomainError(
        ErrorCode.INVALID_QUANTITY,
        "That quantity would take this item's stock figures beyond what can be recorded.",
        field,
    )


def fits_counter(value: int) -> bool:
    return INT32_MIN <= value <= INT32_MAX


def can_reserve(allow_backorder: bool, available_quantity: int, quantity: int) -> bool:
    """Allow Backorder off: at most what is available. On: anything."""
    return allow_backorder or quantity <= available_quantity


@dataclass(frozen=True)
class Claim:
    """One open order line's claim on an item, in the first-come queue."""

    line_id: int
    queue: tuple[int, int]  # (family's original placement, backorder suffix)
    outstanding: int


def in_stock_share(on_hand: int, ahead: int, outstanding: int) -> int:
    """One claim's share: what on hand leaves after the claims ahead of it, up to its own.

    First come, first served: the claims ahead are covered first, so this
    claim gets what is left of on hand after them, and never more than it asks.
    """
    return min(max(outstanding, 0), max(0, max(on_hand, 0) - ahead))


def in_stock_shares(on_hand: int, claims: Iterable[Claim]) -> dict[int, int]:
    """How much of each claim the stock on hand covers, first come first served."""
    ahead = 0
    shares: dict[int, int] = {}
    for claim in sorted(claims, key=lambda c: (c.queue, c.line_id)):
        shares[claim.line_id] = in_stock_share(on_hand, ahead, claim.outstanding)
        ahead += max(claim.outstanding, 0)
    return shares
