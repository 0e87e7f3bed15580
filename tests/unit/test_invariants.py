"""The invariant comparisons behind `backorders check`: pure functions, no database."""

from __future__ import annotations

from backorders.resolvers.rules.invariants import (
    family_drifts,
    ledger_link_drifts,
    on_hand_drifts,
    pick_drifts,
    range_drifts,
    reserved_drifts,
)

CODES = {1: "BC-STD", 2: "LH-A4", 3: "ENV-DL"}

# ------------------------------------------------------------ on hand = sum of movements


def test_on_hand_matching_its_movements_is_no_drift() -> None:
    assert on_hand_drifts(CODES, {1: 500, 2: 0, 3: 7}, {1: 500, 3: 7}) == []


def test_on_hand_differing_from_its_movements_names_the_item_and_both_figures() -> None:
    drifts = on_hand_drifts(CODES, {1: 503, 2: 40, 3: 7}, {1: 500, 2: 40, 3: 7})

    assert len(drifts) == 1
    assert "BC-STD" in drifts[0]
    assert "503" in drifts[0] and "500" in drifts[0]


def test_on_hand_of_an_item_without_movements_must_be_zero() -> None:
    [drift] = on_hand_drifts(CODES, {1: 0, 2: 12, 3: 0}, {})
    assert "LH-A4" in drift and "12" in drift


def test_every_drifting_item_is_named_once_in_item_order() -> None:
    drifts = on_hand_drifts(CODES, {3: 1, 1: 2, 2: 3}, {1: 0, 2: 3, 3: 0})
    assert [next(code for code in CODES.values() if code in d) for d in drifts] == [
        "BC-STD",
        "ENV-DL",
    ]


# ------------------------------------------------------------ reserved = open outstanding


def test_reserved_matching_the_open_outstanding_quantities_is_no_drift() -> None:
    assert reserved_drifts(CODES, {1: 100, 2: 0, 3: 0}, {1: 100}) == []


def test_reserved_differing_from_the_open_outstanding_names_the_item() -> None:
    drifts = reserved_drifts(CODES, {1: 101, 2: 0, 3: 4}, {1: 100, 3: 4})

    assert len(drifts) == 1
    assert "BC-STD" in drifts[0] and "101" in drifts[0] and "100" in drifts[0]


def test_reserved_with_no_open_order_must_be_zero() -> None:
    [drift] = reserved_drifts(CODES, {1: 0, 2: 0, 3: 5}, {})
    assert "ENV-DL" in drift


# ------------------------------------------------------------ a family adds up to what was ordered


def test_a_family_whose_quotes_add_up_to_the_order_is_no_drift() -> None:
    # 1001 ordered 600: the original keeps 500, 1001-001 quotes 100 (both keyed by root 1001).
    assert (
        family_drifts({(1001, 1): 600, (1002, 2): 3}, {(1001, 1): 600, (1002, 2): 3}, CODES) == []
    )


def test_a_family_quoting_more_or_less_than_ordered_names_the_order_and_item() -> None:
    drifts = family_drifts(
        {(1001, 1): 601, (1002, 2): 2, (1003, 3): 9},
        {(1001, 1): 600, (1002, 2): 3, (1003, 3): 9},
        CODES,
    )

    assert len(drifts) == 2
    assert "1001" in drifts[0] and "BC-STD" in drifts[0]
    assert "600" in drifts[0] and "601" in drifts[0]
    assert "1002" in drifts[1] and "LH-A4" in drifts[1]


def test_a_family_missing_on_either_side_is_a_drift() -> None:
    drifts = family_drifts({(1001, 1): 5}, {(1002, 2): 4}, CODES)

    assert len(drifts) == 2
    assert any("1001" in d and "BC-STD" in d for d in drifts)
    assert any("1002" in d and "LH-A4" in d for d in drifts)


# ------------------------------------------------------------ every pick has its movement


def test_picks_matching_their_movements_are_no_drift() -> None:
    assert pick_drifts({10: 500, 11: 3}, {10: 500, 11: 3}) == []
    assert pick_drifts({}, {}) == []


def test_a_pick_without_its_movement_names_the_line() -> None:
    [drift] = pick_drifts({10: 500, 11: 3}, {10: 500})
    assert "line 11" in drift and "3" in drift


def test_a_movement_without_its_pick_names_the_line() -> None:
    [drift] = pick_drifts({10: 500}, {10: 500, 12: 4})
    assert "line 12" in drift and "4" in drift


def test_a_line_picked_more_than_its_movements_took_names_the_line() -> None:
    [drift] = pick_drifts({10: 501}, {10: 500})
    assert "line 10" in drift and "501" in drift and "500" in drift


def test_a_line_id_is_not_mistaken_for_a_prefix_of_another() -> None:
    drifts = pick_drifts({1: 1, 10: 2, 100: 3}, {1: 1, 10: 2, 100: 4})
    assert len(drifts) == 1
    assert "line 100 " in drifts[0]


# ------------------------------------------------------------ counters the API can carry


def test_counters_within_32_bits_are_no_drift() -> None:
    top = 2**31 - 1
    assert range_drifts({1: "BC-STD"}, {1: top}, {1: top}) == []
    assert range_drifts({1: "BC-STD"}, {1: 0}, {1: top}) == []  # available -(2^31 - 1)


def test_a_counter_beyond_32_bits_is_named_with_its_figure() -> None:
    drifts = range_drifts(CODES, {1: 2**31, 2: 0, 3: 5}, {1: 0, 2: 2**31 + 7, 3: 0})

    assert drifts == [
        "range: item BC-STD has on hand 2147483648, outside the 32-bit range "
        "[-2147483648, 2147483647]",
        "range: item BC-STD has available 2147483648, outside the 32-bit range "
        "[-2147483648, 2147483647]",
        "range: item LH-A4 has reserved 2147483655, outside the 32-bit range "
        "[-2147483648, 2147483647]",
        "range: item LH-A4 has available -2147483655, outside the 32-bit range "
        "[-2147483648, 2147483647]",
    ]


# ------------------------------------------------------------ a movement's order is its line's


def test_movements_naming_their_lines_order_are_no_drift() -> None:
    assert ledger_link_drifts({7: 100, 8: 101}, [(1, 7, 100), (2, 8, 101), (3, 7, 100)]) == []


def test_a_movement_left_on_another_order_than_its_line_is_named() -> None:
    assert ledger_link_drifts({7: 101}, [(1, 7, 100)]) == [
        "ledger: movement 1 of line 7 names order id 100 but the line is on order id 101"
    ]
