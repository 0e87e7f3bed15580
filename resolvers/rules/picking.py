"""Picking: the default pick, what a pick may take, returns, when a pick completes an order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from backorders.enums import OrderStatus
from backorders.resolvers.rules.errors import DomainError, ErrorCode
from backorders.resolvers.rules.ordering import MAX_LINE_QUANTITY
from backorders.resolvers.rules.statuses import PICKABLE_STATUSES, require_transition


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
                ErrorCode.NOT_FOUND, "No such line on this order.", f"lines.{index}.line_id"
            )
        if request.line_id in seen:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "A line may be named only once.", f"lines.{index}.line_id"
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
