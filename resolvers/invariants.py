"""What must always hold in the data, checked by `backorders check`.

The comparisons are pure functions over plain mappings; `find_drifts` loads
the figures (full scans: this is an operator's tool, not a request path).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from models import SalesItem, SalesOrderLine, StockMovement
from resolvers import rules

ItemTotals = Mapping[int, int]


def on_hand_drifts(
    codes: Mapping[int, str], on_hand: ItemTotals, movements: ItemTotals
) -> list[str]:
    return [
        f"on hand: item {codes[item]} has {on_hand[item]} on hand but its movements "
        f"sum to {movements.get(item, 0)}"
        for item in sorted(codes)
        if on_hand[item] != movements.get(item, 0)
    ]


def range_drifts(codes: Mapping[int, str], on_hand: ItemTotals, reserved: ItemTotals) -> list[str]:
    """Stock counters the API's 32-bit `Int` cannot carry (every read of them would fail)."""
    drifts: list[str] = []
    for item in sorted(codes):
        figures = {
            "on hand": on_hand[item],
            "reserved": reserved[item],
            "available": rules.available(on_hand[item], reserved[item]),
        }
        drifts.extend(
            f"range: item {codes[item]} has {name} {value}, outside the 32-bit range "
            f"[{rules.INT32_MIN}, {rules.INT32_MAX}]"
            for name, value in figures.items()
            if not rules.fits_counter(value)
        )
    return drifts


def reserved_drifts(
    codes: Mapping[int, str], reserved: ItemTotals, outstanding: ItemTotals
) -> list[str]:
    return [
        f"reserved: item {codes[item]} has {reserved[item]} reserved but open orders have "
        f"{outstanding.get(item, 0)} outstanding"
        for item in sorted(codes)
        if reserved[item] != outstanding.get(item, 0)
    ]


def family_drifts(
    quoted: Mapping[tuple[int, int], int],
    ordered: Mapping[tuple[int, int], int],
    codes: Mapping[int, str],
) -> list[str]:
    """Per family (root number) and item: the quoted quantities add up to what was ordered."""
    return [
        f"family: order {root} item {codes.get(item, item)} was ordered "
        f"{ordered.get((root, item), 0)} but its family quotes {quoted.get((root, item), 0)}"
        for root, item in sorted(set(quoted) | set(ordered))
        if quoted.get((root, item), 0) != ordered.get((root, item), 0)
    ]


def pick_drifts(picked: Mapping[int, int], picked_by_movements: Mapping[int, int]) -> list[str]:
    """Every picked unit has its PICK movement (less any returned)."""
    return [
        f"picks: line {line} has {picked.get(line, 0)} picked but its movements took "
        f"{picked_by_movements.get(line, 0)}"
        for line in sorted(set(picked) | set(picked_by_movements))
        if picked.get(line, 0) != picked_by_movements.get(line, 0)
    ]


async def find_drifts() -> list[str]:
    items = await SalesItem.all().values_list("id", "code", "on_hand", "reserved")
    codes = {row[0]: row[1] for row in items}
    on_hand = {row[0]: row[2] for row in items}
    reserved = {row[0]: row[3] for row in items}

    movement_totals: dict[int, int] = defaultdict(int)
    taken_by_line: dict[int, int] = defaultdict(int)
    for item_id, line_id, quantity, reason in await StockMovement.all().values_list(
        "item_id", "line_id", "quantity", "reason"
    ):
        movement_totals[item_id] += quantity
        if line_id is not None and reason in (
            rules.MovementReason.PICK,
            rules.MovementReason.PICK_RETURN,
        ):
            taken_by_line[line_id] -= quantity

    outstanding: dict[int, int] = defaultdict(int)
    quoted: dict[tuple[int, int], int] = defaultdict(int)
    ordered: dict[tuple[int, int], int] = defaultdict(int)
    picked: dict[int, int] = {}
    over_picked: list[str] = []
    open_statuses = {status.value for status in rules.OPEN_STATUSES}
    for line_id, item_id, q, p, o, status, root in await SalesOrderLine.all().values_list(
        "id", "item_id", "quoted", "picked", "ordered", "order__status", "order__root_number"
    ):
        if status in open_statuses:
            outstanding[item_id] += q - p
        quoted[(root, item_id)] += q
        ordered[(root, item_id)] += o
        if p:
            picked[line_id] = p
        if p > q:
            over_picked.append(f"over-picked: line {line_id} picked {p} of {q}")

    return [
        *range_drifts(codes, on_hand, reserved),
        *on_hand_drifts(codes, on_hand, movement_totals),
        *reserved_drifts(codes, reserved, outstanding),
        *over_picked,
        *family_drifts(quoted, ordered, codes),
        *pick_drifts(picked, taken_by_line),
    ]
