"""What must always hold in the data (`backorders check`): comparisons over plain figures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from backorders.resolvers.rules.stock import INT32_MAX, INT32_MIN, available, fits_counter

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
            "available": available(on_hand[item], reserved[item]),
        }
        drifts.extend(
            f"range: item {codes[item]} has {name} {value}, outside the 32-bit range "
            f"[{INT32_MIN}, {INT32_MAX}]"
            for name, value in figures.items()
            if not fits_counter(value)
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


def ledger_link_drifts(
    line_orders: Mapping[int, int], movements: Iterable[tuple[int, int, int | None]]
) -> list[str]:
    """A line's movements name the order the line is on (a split moves them with it).

    `movements` are (movement id, line id, order id) for movements of a line.
    """
    return [
        f"ledger: movement {movement} of line {line} names order id {order} but the line "
        f"is on order id {line_orders.get(line)}"
        for movement, line, order in movements
        if order != line_orders.get(line)
    ]


def pick_drifts(picked: Mapping[int, int], picked_by_movements: Mapping[int, int]) -> list[str]:
    """Every picked unit has its PICK movement (less any returned)."""
    return [
        f"picks: line {line} has {picked.get(line, 0)} picked but its movements took "
        f"{picked_by_movements.get(line, 0)}"
        for line in sorted(set(picked) | set(picked_by_movements))
        if picked.get(line, 0) != picked_by_movements.get(line, 0)
    ]
