"""The backorder process as plain functions over plain values.

Nothing here touches a database or GraphQL: what can be ordered, a line's
in-stock share, the default pick, what a split moves, which status changes are
legal and how backorders are numbered. Resolvers load rows, call these, and
write the outcome in one transaction; the unit tests exercise them directly.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from resolvers.errors import DomainError, ErrorCode

MAX_LINE_QUANTITY = 1_000_000  # the default of BACKORDERS_MAX_LINE_QUANTITY
# Stock counters (on hand, reserved, available) must fit the 32-bit `Int` the
# schema and the columns carry; a change that would take one outside is refused.
INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
MAX_ORDER_LINES = 200
MAX_MONEY = Decimal("1000000000")
FIRST_ORDER_NUMBER = 1001
MAX_BACKORDER_SUFFIX = 999
CENT = Decimal("0.01")


class OrderStatus(enum.StrEnum):
    ON_HOLD = "ON_HOLD"
    CONFIRMED = "CONFIRMED"
    PAID = "PAID"
    ON_BACKORDER = "ON_BACKORDER"
    PICKED = "PICKED"
    PACKED = "PACKED"
    DISPATCHED = "DISPATCHED"
    INVOICED = "INVOICED"
    CANCELLED = "CANCELLED"


# Orders in these statuses hold a reservation for their outstanding quantities.
OPEN_STATUSES = frozenset(
    {OrderStatus.ON_HOLD, OrderStatus.CONFIRMED, OrderStatus.PAID, OrderStatus.ON_BACKORDER}
)
PICKABLE_STATUSES = frozenset({OrderStatus.CONFIRMED, OrderStatus.PAID})
COMPLETION_STATUSES = frozenset({OrderStatus.PICKED, OrderStatus.PACKED})

# The legal status changes. The order lifecycle beyond the backorder workflow
# (pay, hold, dispatch, invoice, cancel) will use the same table.
TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.ON_HOLD: frozenset(
        {OrderStatus.CONFIRMED, OrderStatus.PAID, OrderStatus.ON_BACKORDER, OrderStatus.CANCELLED}
    ),
    OrderStatus.CONFIRMED: frozenset(
        {
            OrderStatus.ON_HOLD,
            OrderStatus.PAID,
            OrderStatus.ON_BACKORDER,
            OrderStatus.PICKED,
            OrderStatus.PACKED,
            OrderStatus.CANCELLED,
        }
    ),
    OrderStatus.PAID: frozenset(
        {OrderStatus.ON_BACKORDER, OrderStatus.PICKED, OrderStatus.PACKED, OrderStatus.CANCELLED}
    ),
    OrderStatus.ON_BACKORDER: frozenset(
        {OrderStatus.CONFIRMED, OrderStatus.PAID, OrderStatus.CANCELLED}
    ),
    OrderStatus.PICKED: frozenset({OrderStatus.PACKED, OrderStatus.DISPATCHED}),
    OrderStatus.PACKED: frozenset({OrderStatus.DISPATCHED}),
    OrderStatus.DISPATCHED: frozenset({OrderStatus.INVOICED}),
    OrderStatus.INVOICED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


class StockStatus(enum.StrEnum):
    IN_STOCK = "IN_STOCK"
    ON_BACKORDER = "ON_BACKORDER"
    OUT_OF_STOCK = "OUT_OF_STOCK"


class ChargeKind(enum.StrEnum):
    ADDITIONAL_SHIPPING = "ADDITIONAL_SHIPPING"


class MovementReason(enum.StrEnum):
    RECEIPT = "RECEIPT"  # goods received: a purchase order, a job receipted into stock
    PICK = "PICK"  # taken off hand for an order line
    PICK_RETURN = "PICK_RETURN"  # a picked quantity put back
    ADJUSTMENT = "ADJUSTMENT"  # a count correction, an opening balance


class ChargeTo(enum.StrEnum):
    BACKORDER = "BACKORDER"
    ORIGINAL = "ORIGINAL"


# ---------------------------------------------------------------- statuses


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    return target in TRANSITIONS[current]


def require_transition(current: OrderStatus, target: OrderStatus) -> None:
    if not can_transition(current, target):
        raise DomainError(
            ErrorCode.INVALID_STATUS,
            f"An order in status {current.value} cannot move to {target.value}.",
        )


def require_completion_status(status: OrderStatus, field: str) -> None:
    if status not in COMPLETION_STATUSES:
        raise DomainError(
            ErrorCode.INVALID_STATUS,
            f"{field} must be PICKED or PACKED, not {status.value}.",
            field,
        )


# ---------------------------------------------------------------- stock


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


def in_stock_shares(on_hand: int, claims: Iterable[Claim]) -> dict[int, int]:
    """How much of each claim the stock on hand covers, first come first served."""
    remaining = max(on_hand, 0)
    shares: dict[int, int] = {}
    for claim in sorted(claims, key=lambda c: (c.queue, c.line_id)):
        share = min(max(claim.outstanding, 0), remaining)
        shares[claim.line_id] = share
        remaining -= share
    return shares


# ---------------------------------------------------------------- placing


@dataclass(frozen=True)
class RequestedLine:
    item_code: str
    quantity: int


def validate_order_lines(
    lines: Sequence[RequestedLine], max_quantity: int = MAX_LINE_QUANTITY
) -> dict[str, int]:
    """Check the requested lines; return the total quantity per item code."""
    if not lines:
        raise DomainError(ErrorCode.INVALID_INPUT, "An order needs at least one line.", "lines")
    if len(lines) > MAX_ORDER_LINES:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"An order has at most {MAX_ORDER_LINES} lines.", "lines"
        )
    totals: dict[str, int] = {}
    for index, line in enumerate(lines):
        require_line_quantity(line.quantity, f"lines.{index}.quantity", max_quantity)
        if not line.item_code.strip():
            raise DomainError(
                ErrorCode.INVALID_INPUT, "An item code is required.", f"lines.{index}.itemCode"
            )
        totals[line.item_code] = totals.get(line.item_code, 0) + line.quantity
    for code, total in totals.items():
        if total > max_quantity:
            raise DomainError(
                ErrorCode.INVALID_QUANTITY,
                f"At most {max_quantity} of item {code} can be ordered at once.",
                "lines",
            )
    return totals


def require_line_quantity(quantity: int, field: str, max_quantity: int = MAX_LINE_QUANTITY) -> None:
    if quantity <= 0 or quantity > max_quantity:
        raise DomainError(
            ErrorCode.INVALID_QUANTITY,
            f"Quantity must be between 1 and {max_quantity}.",
            field,
        )


# ---------------------------------------------------------------- picking


@dataclass(frozen=True)
class LineState:
    line_id: int
    item_id: int
    quoted: int
    picked: int

    @property
    def outstanding(self) -> int:
        return self.quoted - self.picked


@dataclass(frozen=True)
class PickRequest:
    line_id: int
    quantity: int | None  # None: the line's default pick


@dataclass(frozen=True)
class Pick:
    line_id: int
    item_id: int
    quantity: int


def require_pickable(status: OrderStatus) -> None:
    if status not in PICKABLE_STATUSES:
        raise DomainError(
            ErrorCode.INVALID_STATUS,
            f"Only CONFIRMED or PAID orders can be picked; this one is {status.value}.",
        )


def default_pick_quantity(line: LineState, in_stock: int) -> int:
    """The pick screen's default: the line's in-stock share."""
    return max(0, min(in_stock, line.outstanding))


def named_lines(
    lines: Sequence[LineState], requests: Sequence[PickRequest]
) -> list[tuple[int, PickRequest, LineState]]:
    """The order's lines a request names, each once: (position, request, line)."""
    if not requests:
        raise DomainError(ErrorCode.INVALID_INPUT, "Name at least one line.", "lines")
    by_id = {line.line_id: line for line in lines}
    seen: set[int] = set()
    named = []
    for index, request in enumerate(requests):
        line = by_id.get(request.line_id)
        if line is None:
            raise DomainError(
                ErrorCode.NOT_FOUND, "No such line on this order.", f"lines.{index}.lineId"
            )
        if request.line_id in seen:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "A line may be named only once.", f"lines.{index}.lineId"
            )
        seen.add(request.line_id)
        named.append((index, request, line))
    return named


def plan_pick(
    status: OrderStatus,
    lines: Sequence[LineState],
    requests: Sequence[PickRequest] | None,
    in_stock: Mapping[int, int],
    on_hand: Mapping[int, int],
) -> list[Pick]:
    """Decide what a pick takes, or refuse it.

    `requests` None picks every outstanding line's default. An explicit quantity
    is limited by the line's outstanding quantity and by the stock on hand, not
    by the line's first-come share (the picker may know better).
    """
    require_pickable(status)
    if requests is None:
        picks = [
            Pick(
                line.line_id,
                line.item_id,
                default_pick_quantity(line, in_stock.get(line.line_id, 0)),
            )
            for line in lines
            if line.outstanding > 0
        ]
        if not picks:
            raise DomainError(ErrorCode.INVALID_QUANTITY, "Nothing is outstanding on this order.")
        picks = [pick for pick in picks if pick.quantity > 0]
        if not picks:
            raise DomainError(
                ErrorCode.INSUFFICIENT_STOCK, "None of this order's items is in stock to pick."
            )
        return picks

    picks = []
    for index, request, line in named_lines(lines, requests):
        field = f"lines.{index}"
        if request.quantity is None:
            if line.outstanding <= 0:
                raise DomainError(
                    ErrorCode.INVALID_QUANTITY, "Nothing is outstanding on this line.", field
                )
            quantity = default_pick_quantity(line, in_stock.get(line.line_id, 0))
            if quantity <= 0:
                raise DomainError(
                    ErrorCode.INSUFFICIENT_STOCK, "This line's item is not in stock to pick.", field
                )
        else:
            quantity = request.quantity
            if quantity <= 0 or quantity > line.outstanding:
                raise DomainError(
                    ErrorCode.INVALID_QUANTITY,
                    f"Pick between 1 and the line's outstanding quantity ({line.outstanding}).",
                    f"{field}.quantity",
                )
        picks.append(Pick(line.line_id, line.item_id, quantity))

    wanted = quantities_by_item(picks)
    for index, pick in enumerate(picks):
        if wanted[pick.item_id] > on_hand.get(pick.item_id, 0):
            raise DomainError(
                ErrorCode.INSUFFICIENT_STOCK,
                "Not enough of this line's item on hand to pick that quantity.",
                f"lines.{index}.quantity",
            )
    return picks


def quantities_by_item(picks: Sequence[Pick]) -> dict[int, int]:
    """Total quantity per item, in ascending item id: the order rows are locked in."""
    totals: dict[int, int] = {}
    for pick in picks:
        totals[pick.item_id] = totals.get(pick.item_id, 0) + pick.quantity
    return dict(sorted(totals.items()))


def apply_picks(lines: Sequence[LineState], picks: Sequence[Pick]) -> list[LineState]:
    taken = {pick.line_id: pick.quantity for pick in picks}
    return [
        LineState(line.line_id, line.item_id, line.quoted, line.picked + taken.get(line.line_id, 0))
        for line in lines
    ]


def plan_return(
    status: OrderStatus, lines: Sequence[LineState], requests: Sequence[PickRequest]
) -> list[Pick]:
    """Put picked units back: only on an order still being picked, at most what was picked.

    A completed (PICKED/PACKED) order is not reopened: the status table has no
    way back, and its picked goods are already packed for dispatch.
    """
    if status not in PICKABLE_STATUSES:
        raise DomainError(
            ErrorCode.INVALID_STATUS,
            f"Picks can be returned only on CONFIRMED or PAID orders; this one is {status.value}.",
        )
    returns = []
    for index, request, line in named_lines(lines, requests):
        field = f"lines.{index}"
        quantity = line.picked if request.quantity is None else request.quantity
        if quantity <= 0 or quantity > line.picked:
            raise DomainError(
                ErrorCode.INVALID_QUANTITY,
                f"Return between 1 and the line's picked quantity ({line.picked}).",
                f"{field}.quantity",
            )
        returns.append(Pick(line.line_id, line.item_id, quantity))
    return returns


def require_adjustment(quantity: int, max_quantity: int = MAX_LINE_QUANTITY) -> None:
    """A stock count correction: any non-zero change within the line limit."""
    if quantity == 0 or abs(quantity) > max_quantity:
        raise DomainError(
            ErrorCode.INVALID_QUANTITY,
            f"An adjustment is a non-zero change of at most {max_quantity} either way.",
            "quantity",
        )


def status_after_pick(
    status: OrderStatus, lines_after: Sequence[LineState], complete_as: OrderStatus
) -> OrderStatus:
    """A pick that leaves nothing outstanding completes the order; a partial one doesn't."""
    if all(line.outstanding == 0 for line in lines_after):
        require_transition(status, complete_as)
        return complete_as
    return status


# ---------------------------------------------------------------- splitting


def can_split_remaining(status: OrderStatus, lines: Sequence[LineState]) -> bool:
    return (
        status in PICKABLE_STATUSES
        and any(line.picked > 0 for line in lines)
        and any(line.outstanding > 0 for line in lines)
    )


@dataclass(frozen=True)
class SplitPlan:
    reduce_to_picked: tuple[LineState, ...]  # stay, quoted cut to what was picked
    move_whole: tuple[LineState, ...]  # nothing picked: the line itself moves
    new_lines: tuple[LineState, ...]  # outstanding remainders, for the backorder

    @property
    def moved_quantity(self) -> int:
        return sum(line.quoted for line in self.move_whole) + sum(
            line.quoted for line in self.new_lines
        )


def plan_split(status: OrderStatus, lines: Sequence[LineState], target: OrderStatus) -> SplitPlan:
    if status not in PICKABLE_STATUSES:
        raise DomainError(
            ErrorCode.INVALID_STATUS,
            f"Only CONFIRMED or PAID orders can be split; this one is {status.value}.",
        )
    require_completion_status(target, "status")
    if not can_split_remaining(status, lines):
        raise DomainError(
            ErrorCode.NOTHING_TO_SPLIT,
            "Split Remaining needs something picked and something still outstanding.",
        )
    reduce, move, new = [], [], []
    for line in lines:
        if line.outstanding <= 0:
            continue
        if line.picked == 0:
            move.append(line)
        else:
            reduce.append(LineState(line.line_id, line.item_id, line.picked, line.picked))
            new.append(LineState(line.line_id, line.item_id, line.outstanding, 0))
    return SplitPlan(tuple(reduce), tuple(move), tuple(new))


# ---------------------------------------------------------------- numbering

_ORDER_NUMBER = re.compile(r"^(\d{1,12})(?:-(\d{3}))?$", re.ASCII)


def format_order_number(root: int, suffix: int) -> str:
    return str(root) if suffix == 0 else f"{root}-{suffix:03d}"


def parse_order_number(number: str) -> tuple[int, int] | None:
    """`1001` -> (1001, 0); `1001-002` -> (1001, 2); anything else -> None."""
    match = _ORDER_NUMBER.match(number.strip())
    if match is None or int(match.group(1)) > INT32_MAX:  # no order has such a number
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def next_backorder_suffix(last_suffix: int) -> int:
    """Every split in a family takes the family's next free suffix (never `-001-001`)."""
    suffix = last_suffix + 1
    if suffix > MAX_BACKORDER_SUFFIX:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "This order family has no backorder numbers left."
        )
    return suffix


# ---------------------------------------------------------------- money


def parse_money(value: Decimal | None, field: str, *, allow_zero: bool = True) -> Decimal | None:
    """Money is non-negative with at most two decimals; anything else is refused."""
    if value is None:
        return None
    try:
        if not value.is_finite():
            raise InvalidOperation
        quantized = value.quantize(CENT)
    except InvalidOperation:
        raise DomainError(ErrorCode.INVALID_INPUT, "Not a valid amount.", field) from None
    if value < 0:
        raise DomainError(ErrorCode.INVALID_INPUT, "The amount must not be negative.", field)
    if value == 0 and not allow_zero:
        raise DomainError(ErrorCode.INVALID_INPUT, "The amount must be more than zero.", field)
    # "1.100" is refused like "1.101": the caller wrote three decimals.
    exponent = value.as_tuple().exponent
    if quantized != value or (isinstance(exponent, int) and exponent < -2):
        raise DomainError(ErrorCode.INVALID_INPUT, "Use at most two decimals.", field)
    if value > MAX_MONEY:
        raise DomainError(ErrorCode.INVALID_INPUT, "The amount is too large.", field)
    return quantized.copy_abs()  # never negative here; turns "-0" into "0.00", not "-0.00"


def shipping_charge(value: Decimal | None) -> Decimal | None:
    """The split's Additional Shipping Charge; zero or absent adds no charge."""
    amount = parse_money(value, "additionalShippingCharge")
    return amount if amount else None


def line_amount(quoted: int, unit_price: Decimal) -> Decimal:
    return (unit_price * quoted).quantize(CENT)


def order_total(line_amounts: Iterable[Decimal], charges: Iterable[Decimal]) -> Decimal:
    return (sum(line_amounts, Decimal(0)) + sum(charges, Decimal(0))).quantize(CENT)
