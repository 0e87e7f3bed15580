"""Split Remaining: when it is possible, and what stays, moves and is created."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backorders.enums import OrderStatus
from backorders.resolvers.rules.errors import DomainError, ErrorCode
from backorders.resolvers.rules.picking import LineState
from backorders.resolvers.rules.statuses import PICKABLE_STATUSES, require_completion_status


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
