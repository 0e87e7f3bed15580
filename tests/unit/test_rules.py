"""The backorder rules as plain functions: stock shares, picking, splitting, numbering, money."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backorders.resolvers.rules import (
    MAX_LINE_QUANTITY,
    MAX_ORDER_LINES,
    TRANSITIONS,
    Claim,
    LineState,
    OrderStatus,
    Pick,
    PickRequest,
    RequestedLine,
    StockStatus,
    apply_picks,
    available,
    can_reserve,
    can_split_remaining,
    can_transition,
    format_order_number,
    in_stock_shares,
    line_amount,
    next_backorder_suffix,
    order_total,
    parse_money,
    parse_order_number,
    plan_pick,
    plan_return,
    plan_split,
    require_adjustment,
    require_transition,
    shipping_charge,
    status_after_pick,
    stock_status,
    validate_order_lines,
)
from backorders.resolvers.rules.errors import DomainError, ErrorCode

S = OrderStatus
ITEM = 7
OTHER_ITEM = 8
ON_HAND = 437  # distinctive: must never show up in an error message


def refused(
    error: pytest.ExceptionInfo[DomainError], code: ErrorCode, field: str | None = None
) -> None:
    assert error.value.code is code
    if field is not None:
        assert error.value.field == field


def assert_no_stock_figure(error: pytest.ExceptionInfo[DomainError], *figures: int) -> None:
    for figure in figures:
        assert str(figure) not in error.value.message
        assert str(figure) not in str(error.value)


# ------------------------------------------------------------------ stock


def test_available_is_on_hand_minus_reserved_and_may_go_negative() -> None:
    assert available(20, 5) == 15
    assert available(20, 24) == -4


@pytest.mark.parametrize(
    ("available_quantity", "allow_backorder", "expected"),
    [
        (1, False, StockStatus.IN_STOCK),
        (1, True, StockStatus.IN_STOCK),
        (0, True, StockStatus.ON_BACKORDER),
        (-4, True, StockStatus.ON_BACKORDER),
        (0, False, StockStatus.OUT_OF_STOCK),
        (-4, False, StockStatus.OUT_OF_STOCK),
    ],
)
def test_stock_status_follows_available_and_allow_backorder(
    available_quantity: int, allow_backorder: bool, expected: StockStatus
) -> None:
    assert stock_status(available_quantity, allow_backorder) is expected


def test_item_without_allow_backorder_can_reserve_at_most_what_is_available() -> None:
    assert can_reserve(False, 15, 15)
    assert not can_reserve(False, 15, 16)
    assert not can_reserve(False, 0, 1)
    assert not can_reserve(False, -4, 1)


def test_item_with_allow_backorder_can_reserve_any_quantity() -> None:
    assert can_reserve(True, 3, 7)
    assert can_reserve(True, -4, 1000)


def test_seed_story_line_has_500_of_600_in_stock() -> None:
    assert in_stock_shares(500, [Claim(1, (1001, 0), 600)]) == {1: 500}


def test_worked_example_orders_of_5_12_7_against_20_share_5_12_3() -> None:
    claims = [Claim(10, (1001, 0), 5), Claim(11, (1002, 0), 12), Claim(12, (1003, 0), 7)]
    assert in_stock_shares(20, claims) == {10: 5, 11: 12, 12: 3}


def test_shares_follow_the_queue_not_the_order_claims_are_given_in() -> None:
    claims = [Claim(12, (1003, 0), 7), Claim(10, (1001, 0), 5), Claim(11, (1002, 0), 12)]
    assert in_stock_shares(20, claims) == {10: 5, 11: 12, 12: 3}


def test_backorder_keeps_its_family_place_ahead_of_later_orders() -> None:
    # 1001-001 was split off 1001 after 1002 and 1003 were placed; it still comes first.
    claims = [
        Claim(30, (1002, 0), 4),
        Claim(40, (1003, 0), 4),
        Claim(50, (1001, 1), 6),
    ]
    assert in_stock_shares(8, claims) == {50: 6, 30: 2, 40: 0}


def test_later_backorder_of_a_family_queues_after_the_earlier_one() -> None:
    claims = [Claim(2, (1001, 2), 5), Claim(1, (1001, 1), 5), Claim(3, (1002, 0), 5)]
    assert in_stock_shares(7, claims) == {1: 5, 2: 2, 3: 0}


def test_lines_of_the_same_order_queue_by_line_id() -> None:
    claims = [Claim(9, (1001, 0), 5), Claim(4, (1001, 0), 5)]
    assert in_stock_shares(6, claims) == {4: 5, 9: 1}


def test_negative_on_hand_covers_nothing() -> None:
    assert in_stock_shares(-3, [Claim(1, (1001, 0), 5)]) == {1: 0}


def test_no_claims_no_shares() -> None:
    assert in_stock_shares(ON_HAND, []) == {}


# ------------------------------------------------------------------ placing


def test_order_lines_are_totalled_per_item_code() -> None:
    lines = [RequestedLine("BC-STD", 5), RequestedLine("FLYER", 2), RequestedLine("BC-STD", 7)]
    assert validate_order_lines(lines) == {"BC-STD": 12, "FLYER": 2}


def test_empty_order_is_invalid_input() -> None:
    with pytest.raises(DomainError) as error:
        validate_order_lines([])
    refused(error, ErrorCode.INVALID_INPUT, "lines")


def test_too_many_lines_is_invalid_input() -> None:
    with pytest.raises(DomainError) as error:
        validate_order_lines([RequestedLine(f"I{i}", 1) for i in range(MAX_ORDER_LINES + 1)])
    refused(error, ErrorCode.INVALID_INPUT, "lines")


@pytest.mark.parametrize("quantity", [0, -1, -ON_HAND, MAX_LINE_QUANTITY + 1])
def test_zero_negative_or_too_large_line_quantity_is_invalid_quantity(quantity: int) -> None:
    lines = [RequestedLine("BC-STD", 1), RequestedLine("FLYER", quantity)]
    with pytest.raises(DomainError) as error:
        validate_order_lines(lines)
    refused(error, ErrorCode.INVALID_QUANTITY, "lines.1.quantity")
    assert_no_stock_figure(error, ON_HAND)


def test_largest_line_quantity_is_accepted() -> None:
    assert validate_order_lines([RequestedLine("BC-STD", MAX_LINE_QUANTITY)]) == {
        "BC-STD": MAX_LINE_QUANTITY
    }


def test_same_item_on_two_lines_is_limited_as_one_quantity() -> None:
    lines = [RequestedLine("BC-STD", MAX_LINE_QUANTITY), RequestedLine("BC-STD", 1)]
    with pytest.raises(DomainError) as error:
        validate_order_lines(lines)
    refused(error, ErrorCode.INVALID_QUANTITY, "lines")


@pytest.mark.parametrize("code", ["", "   ", "\t"])
def test_blank_item_code_is_invalid_input(code: str) -> None:
    with pytest.raises(DomainError) as error:
        validate_order_lines([RequestedLine("BC-STD", 1), RequestedLine(code, 3)])
    refused(error, ErrorCode.INVALID_INPUT, "lines.1.item_code")


# ------------------------------------------------------------------ picking


def line(line_id: int, quoted: int, picked: int = 0, item_id: int = ITEM) -> LineState:
    return LineState(line_id, item_id, quoted, picked)


@pytest.mark.parametrize("status", [S.CONFIRMED, S.PAID])
def test_default_pick_takes_the_lines_in_stock_share(status: OrderStatus) -> None:
    picks = plan_pick(status, [line(1, 600)], None, {1: 500}, {ITEM: 500})
    assert picks == [Pick(1, ITEM, 500)]


@pytest.mark.parametrize("status", [s for s in OrderStatus if s not in (S.CONFIRMED, S.PAID)])
def test_only_confirmed_or_paid_orders_can_be_picked(status: OrderStatus) -> None:
    with pytest.raises(DomainError) as error:
        plan_pick(status, [line(1, 600)], None, {1: 500}, {ITEM: 500})
    refused(error, ErrorCode.INVALID_STATUS)


def test_status_is_checked_before_the_requested_lines() -> None:
    with pytest.raises(DomainError) as error:
        plan_pick(S.ON_BACKORDER, [line(1, 5)], [PickRequest(99, 0)], {}, {ITEM: ON_HAND})
    refused(error, ErrorCode.INVALID_STATUS)


def test_default_pick_skips_lines_with_nothing_in_stock_and_nothing_outstanding() -> None:
    lines = [line(1, 10, picked=10), line(2, 5, item_id=OTHER_ITEM), line(3, 8)]
    picks = plan_pick(S.CONFIRMED, lines, None, {2: 0, 3: 6}, {ITEM: 6, OTHER_ITEM: 0})
    assert picks == [Pick(3, ITEM, 6)]


def test_default_pick_never_exceeds_outstanding() -> None:
    picks = plan_pick(S.CONFIRMED, [line(1, 10, picked=7)], None, {1: 9}, {ITEM: ON_HAND})
    assert picks == [Pick(1, ITEM, 3)]


def test_default_pick_with_nothing_in_stock_is_insufficient_stock() -> None:
    lines = [line(1, 600), line(2, 5, item_id=OTHER_ITEM)]
    with pytest.raises(DomainError) as error:
        plan_pick(S.CONFIRMED, lines, None, {1: 0}, {ITEM: ON_HAND, OTHER_ITEM: 0})
    refused(error, ErrorCode.INSUFFICIENT_STOCK)
    assert_no_stock_figure(error, ON_HAND)


def test_default_pick_of_one_named_line_with_nothing_in_stock_is_insufficient_stock() -> None:
    with pytest.raises(DomainError) as error:
        plan_pick(S.CONFIRMED, [line(1, 600)], [PickRequest(1, None)], {1: 0}, {ITEM: ON_HAND})
    refused(error, ErrorCode.INSUFFICIENT_STOCK, "lines.0")
    assert_no_stock_figure(error, ON_HAND)


def test_named_line_without_quantity_picks_its_share() -> None:
    picks = plan_pick(S.PAID, [line(1, 600)], [PickRequest(1, None)], {1: 437}, {ITEM: 437})
    assert picks == [Pick(1, ITEM, 437)]


def test_explicit_pick_may_exceed_the_first_come_share_up_to_on_hand() -> None:
    # Earlier orders claim most of the stock; the picker takes it anyway.
    picks = plan_pick(
        S.CONFIRMED, [line(1, 600)], [PickRequest(1, ON_HAND)], {1: 12}, {ITEM: ON_HAND}
    )
    assert picks == [Pick(1, ITEM, ON_HAND)]


def test_explicit_pick_beyond_on_hand_is_insufficient_stock() -> None:
    with pytest.raises(DomainError) as error:
        plan_pick(
            S.CONFIRMED,
            [line(1, 600)],
            [PickRequest(1, ON_HAND + 1)],
            {1: ON_HAND},
            {ITEM: ON_HAND},
        )
    refused(error, ErrorCode.INSUFFICIENT_STOCK, "lines.0.quantity")
    assert_no_stock_figure(error, ON_HAND, ON_HAND + 1)


@pytest.mark.parametrize("quantity", [0, -1, 601])
def test_explicit_quantity_out_of_range_is_invalid_quantity(quantity: int) -> None:
    with pytest.raises(DomainError) as error:
        plan_pick(
            S.CONFIRMED, [line(1, 600)], [PickRequest(1, quantity)], {1: ON_HAND}, {ITEM: ON_HAND}
        )
    refused(error, ErrorCode.INVALID_QUANTITY, "lines.0.quantity")
    assert_no_stock_figure(error, ON_HAND)


def test_explicit_quantity_beyond_outstanding_counts_what_is_already_picked() -> None:
    with pytest.raises(DomainError) as error:
        plan_pick(
            S.CONFIRMED, [line(1, 600, picked=500)], [PickRequest(1, 101)], {}, {ITEM: ON_HAND}
        )
    refused(error, ErrorCode.INVALID_QUANTITY, "lines.0.quantity")


def test_quantity_beyond_outstanding_and_on_hand_is_invalid_quantity_first() -> None:
    with pytest.raises(DomainError) as error:
        plan_pick(S.CONFIRMED, [line(1, 600)], [PickRequest(1, 601)], {1: 0}, {ITEM: 0})
    refused(error, ErrorCode.INVALID_QUANTITY)


def test_invalid_quantity_on_a_later_line_wins_over_insufficient_stock_on_an_earlier_one() -> None:
    lines = [line(1, 600), line(2, 5, item_id=OTHER_ITEM)]
    requests = [PickRequest(1, 500), PickRequest(2, 0)]
    with pytest.raises(DomainError) as error:
        plan_pick(S.CONFIRMED, lines, requests, {}, {ITEM: ON_HAND, OTHER_ITEM: 9})
    refused(error, ErrorCode.INVALID_QUANTITY, "lines.1.quantity")


def test_two_lines_of_one_item_are_counted_together_against_on_hand() -> None:
    lines = [line(1, 300), line(2, 300)]
    requests = [PickRequest(1, 300), PickRequest(2, 200)]
    with pytest.raises(DomainError) as error:
        plan_pick(S.CONFIRMED, lines, requests, {}, {ITEM: ON_HAND})
    refused(error, ErrorCode.INSUFFICIENT_STOCK)
    assert_no_stock_figure(error, ON_HAND)

    fits = [PickRequest(1, 300), PickRequest(2, ON_HAND - 300)]
    assert plan_pick(S.CONFIRMED, lines, fits, {}, {ITEM: ON_HAND}) == [
        Pick(1, ITEM, 300),
        Pick(2, ITEM, ON_HAND - 300),
    ]


def test_lines_of_different_items_are_checked_against_their_own_on_hand() -> None:
    lines = [line(1, 10), line(2, 10, item_id=OTHER_ITEM)]
    requests = [PickRequest(1, 10), PickRequest(2, 3)]
    with pytest.raises(DomainError) as error:
        plan_pick(S.CONFIRMED, lines, requests, {}, {ITEM: ON_HAND, OTHER_ITEM: 2})
    refused(error, ErrorCode.INSUFFICIENT_STOCK, "lines.1.quantity")


def test_item_missing_from_on_hand_counts_as_none_on_hand() -> None:
    with pytest.raises(DomainError) as error:
        plan_pick(S.CONFIRMED, [line(1, 10)], [PickRequest(1, 1)], {}, {})
    refused(error, ErrorCode.INSUFFICIENT_STOCK)


def test_picking_an_unknown_line_is_not_found() -> None:
    with pytest.raises(DomainError) as error:
        plan_pick(
            S.CONFIRMED, [line(1, 10)], [PickRequest(1, 1), PickRequest(2, 1)], {}, {ITEM: ON_HAND}
        )
    refused(error, ErrorCode.NOT_FOUND, "lines.1.line_id")


def test_naming_a_line_twice_is_invalid_input() -> None:
    with pytest.raises(DomainError) as error:
        plan_pick(
            S.CONFIRMED, [line(1, 10)], [PickRequest(1, 1), PickRequest(1, 1)], {}, {ITEM: ON_HAND}
        )
    refused(error, ErrorCode.INVALID_INPUT, "lines.1.line_id")


def test_an_empty_list_of_lines_is_invalid_input() -> None:
    with pytest.raises(DomainError) as error:
        plan_pick(S.CONFIRMED, [line(1, 10)], [], {1: 10}, {ITEM: ON_HAND})
    refused(error, ErrorCode.INVALID_INPUT, "lines")


def test_applying_picks_adds_to_picked_and_leaves_other_lines_alone() -> None:
    lines = [line(1, 600, picked=100), line(2, 5, item_id=OTHER_ITEM)]
    after = apply_picks(lines, [Pick(1, ITEM, 400)])
    assert after == [line(1, 600, picked=500), line(2, 5, item_id=OTHER_ITEM)]
    assert [state.outstanding for state in after] == [100, 5]


@pytest.mark.parametrize("complete_as", [S.PICKED, S.PACKED])
def test_full_pick_moves_the_order_to_complete_as(complete_as: OrderStatus) -> None:
    after = apply_picks([line(1, 5), line(2, 3)], [Pick(1, ITEM, 5), Pick(2, ITEM, 3)])
    assert status_after_pick(S.CONFIRMED, after, complete_as) is complete_as
    assert status_after_pick(S.PAID, after, complete_as) is complete_as


def test_partial_pick_leaves_the_status_alone() -> None:
    after = apply_picks([line(1, 600)], [Pick(1, ITEM, 500)])
    assert status_after_pick(S.CONFIRMED, after, S.PACKED) is S.CONFIRMED
    assert status_after_pick(S.PAID, after, S.PICKED) is S.PAID


# ------------------------------------------------------------------ splitting


def test_split_remaining_needs_something_picked_and_something_outstanding() -> None:
    assert can_split_remaining(S.CONFIRMED, [line(1, 600, picked=500)])
    assert can_split_remaining(S.PAID, [line(1, 5, picked=5), line(2, 3)])
    assert not can_split_remaining(S.CONFIRMED, [line(1, 600)])
    assert not can_split_remaining(S.CONFIRMED, [line(1, 600, picked=600)])
    assert not can_split_remaining(S.CONFIRMED, [])


@pytest.mark.parametrize("status", [s for s in OrderStatus if s not in (S.CONFIRMED, S.PAID)])
def test_split_remaining_is_greyed_out_outside_pickable_statuses(status: OrderStatus) -> None:
    assert not can_split_remaining(status, [line(1, 600, picked=500)])


def test_split_reduces_picked_lines_and_moves_the_remainder() -> None:
    plan = plan_split(S.CONFIRMED, [line(1, 600, picked=500)], S.PACKED)
    assert plan.reduce_to_picked == (line(1, 500, picked=500),)
    assert plan.move_whole == ()
    assert plan.new_lines == (line(1, 100),)
    assert plan.moved_quantity == 100


def test_split_moves_unpicked_lines_whole_and_keeps_fully_picked_lines() -> None:
    lines = [
        line(1, 10, picked=10),
        line(2, 8, picked=3),
        line(3, 4, item_id=OTHER_ITEM),
    ]
    plan = plan_split(S.PAID, lines, S.PICKED)
    assert plan.reduce_to_picked == (line(2, 3, picked=3),)
    assert plan.move_whole == (line(3, 4, item_id=OTHER_ITEM),)
    assert plan.new_lines == (line(2, 5),)
    assert plan.moved_quantity == 9


@pytest.mark.parametrize("status", [s for s in OrderStatus if s not in (S.CONFIRMED, S.PAID)])
def test_split_of_an_order_that_cannot_be_picked_is_invalid_status(status: OrderStatus) -> None:
    with pytest.raises(DomainError) as error:
        plan_split(status, [line(1, 600, picked=500)], S.PICKED)
    refused(error, ErrorCode.INVALID_STATUS)


@pytest.mark.parametrize(
    "lines",
    [[line(1, 600)], [line(1, 600, picked=600)], []],
    ids=["nothing-picked", "nothing-outstanding", "no-lines"],
)
def test_split_with_nothing_picked_or_nothing_outstanding_is_nothing_to_split(
    lines: list[LineState],
) -> None:
    with pytest.raises(DomainError) as error:
        plan_split(S.CONFIRMED, lines, S.PICKED)
    refused(error, ErrorCode.NOTHING_TO_SPLIT)


@pytest.mark.parametrize("target", [s for s in OrderStatus if s not in (S.PICKED, S.PACKED)])
def test_split_target_must_be_picked_or_packed(target: OrderStatus) -> None:
    with pytest.raises(DomainError) as error:
        plan_split(S.CONFIRMED, [line(1, 600, picked=500)], target)
    refused(error, ErrorCode.INVALID_STATUS, "status")


def test_split_of_a_backorder_still_on_backorder_is_invalid_status_not_nothing_to_split() -> None:
    with pytest.raises(DomainError) as error:
        plan_split(S.ON_BACKORDER, [line(1, 100)], S.PICKED)
    refused(error, ErrorCode.INVALID_STATUS)


# ------------------------------------------------------------------ statuses


def test_every_status_has_a_row_in_the_transition_table() -> None:
    assert set(TRANSITIONS) == set(OrderStatus)


def test_no_status_moves_to_itself() -> None:
    for status, targets in TRANSITIONS.items():
        assert status not in targets


@pytest.mark.parametrize("terminal", [S.INVOICED, S.CANCELLED])
def test_terminal_statuses_have_no_exits(terminal: OrderStatus) -> None:
    assert TRANSITIONS[terminal] == frozenset()
    for target in OrderStatus:
        assert not can_transition(terminal, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.ON_BACKORDER, S.CONFIRMED),
        (S.CONFIRMED, S.PICKED),
        (S.CONFIRMED, S.PACKED),
        (S.PAID, S.PICKED),
        (S.PAID, S.PACKED),
        (S.PICKED, S.PACKED),
        (S.PACKED, S.DISPATCHED),
        (S.DISPATCHED, S.INVOICED),
    ],
)
def test_legal_transitions(current: OrderStatus, target: OrderStatus) -> None:
    assert can_transition(current, target)
    require_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.PICKED, S.CONFIRMED),
        (S.PACKED, S.PICKED),
        (S.ON_BACKORDER, S.PICKED),
        (S.ON_BACKORDER, S.PACKED),
        (S.DISPATCHED, S.CANCELLED),
        (S.INVOICED, S.CONFIRMED),
    ],
)
def test_illegal_transitions_are_invalid_status(current: OrderStatus, target: OrderStatus) -> None:
    assert not can_transition(current, target)
    with pytest.raises(DomainError) as error:
        require_transition(current, target)
    refused(error, ErrorCode.INVALID_STATUS)


def test_completing_a_pick_from_a_status_that_cannot_complete_is_invalid_status() -> None:
    with pytest.raises(DomainError) as error:
        status_after_pick(S.ON_BACKORDER, [line(1, 5, picked=5)], S.PICKED)
    refused(error, ErrorCode.INVALID_STATUS)


# ------------------------------------------------------------------ numbering


def test_order_numbers_format_as_root_or_root_with_three_digit_suffix() -> None:
    assert format_order_number(1001, 0) == "1001"
    assert format_order_number(1001, 1) == "1001-001"
    assert format_order_number(1001, 2) == "1001-002"
    assert format_order_number(1001, 999) == "1001-999"


@pytest.mark.parametrize(
    ("number", "parsed"),
    [
        ("1001", (1001, 0)),
        ("1001-001", (1001, 1)),
        ("1001-002", (1001, 2)),
        (" 1001-010 ", (1001, 10)),
    ],
)
def test_order_numbers_parse_into_root_and_suffix(number: str, parsed: tuple[int, int]) -> None:
    assert parse_order_number(number) == parsed


def test_order_numbers_round_trip() -> None:
    for root, suffix in [(1001, 0), (1001, 1), (98765, 42)]:
        assert parse_order_number(format_order_number(root, suffix)) == (root, suffix)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "abc",
        "1001-",
        "1001-1",
        "1001-01",
        "1001-0001",
        "1001-001-001",
        "-001",
        "1001 001",
        "10.01",
        "1001\n-001",
    ],
)
def test_garbage_order_numbers_parse_to_none(garbage: str) -> None:
    assert parse_order_number(garbage) is None


def test_backorder_suffixes_continue_through_the_family() -> None:
    assert next_backorder_suffix(0) == 1
    assert next_backorder_suffix(1) == 2
    assert next_backorder_suffix(998) == 999


def test_a_family_with_suffix_999_taken_has_no_backorder_numbers_left() -> None:
    with pytest.raises(DomainError) as error:
        next_backorder_suffix(999)
    refused(error, ErrorCode.INVALID_INPUT)


# ------------------------------------------------------------------ money


@pytest.mark.parametrize(
    "value",
    [
        "-0.01",
        "-1",
        "1.005",
        "12.501",
        "0.001",
        "NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        "1000000000.01",
        "1E+40",
    ],
)
def test_bad_amounts_are_invalid_input(value: str) -> None:
    with pytest.raises(DomainError) as error:
        parse_money(Decimal(value), "unit_price")
    refused(error, ErrorCode.INVALID_INPUT, "unit_price")
    with pytest.raises(DomainError) as error:
        shipping_charge(Decimal(value), "additional_shipping_charge")
    refused(error, ErrorCode.INVALID_INPUT, "additional_shipping_charge")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.5", "12.50"),
        ("15", "15.00"),
        ("0.01", "0.01"),
        ("1000000000", "1000000000.00"),
        ("1E+2", "100.00"),
    ],
)
def test_good_amounts_are_quantized_to_cents(value: str, expected: str) -> None:
    amount = parse_money(Decimal(value), "unit_price")
    assert amount is not None
    assert str(amount) == expected


@pytest.mark.parametrize("value", ["0", "0.00", "-0", "-0.00"])
def test_zero_amount_reads_as_plain_zero(value: str) -> None:
    assert str(parse_money(Decimal(value), "unit_price")) == "0.00"


def test_zero_is_refused_where_it_is_not_allowed() -> None:
    with pytest.raises(DomainError) as error:
        parse_money(Decimal("0"), "unit_price", allow_zero=False)
    refused(error, ErrorCode.INVALID_INPUT, "unit_price")


def test_absent_amount_is_none() -> None:
    assert parse_money(None, "unit_price") is None


@pytest.mark.parametrize("value", [None, Decimal("0"), Decimal("0.00"), Decimal("-0")])
def test_zero_or_absent_shipping_charge_adds_no_charge(value: Decimal | None) -> None:
    assert shipping_charge(value, "additional_shipping_charge") is None


def test_shipping_charge_is_quantized_to_cents() -> None:
    charge = shipping_charge(Decimal("12.5"), "additional_shipping_charge")
    assert charge == Decimal("12.50")
    assert str(charge) == "12.50"


def test_line_amount_is_quantity_times_unit_price_in_cents() -> None:
    assert str(line_amount(600, Decimal("15.00"))) == "9000.00"
    assert str(line_amount(3, Decimal("0.33"))) == "0.99"
    assert str(line_amount(0, Decimal("15.00"))) == "0.00"


def test_order_total_is_lines_plus_charges() -> None:
    assert str(order_total([Decimal("1500.00")], [Decimal("12.50")])) == "1512.50"
    assert str(order_total([Decimal("7500.00"), Decimal("0.99")], [])) == "7500.99"
    assert str(order_total([], [])) == "0.00"


@pytest.mark.parametrize("text", ["1.100", "12.500", "0.000"])
def test_money_written_with_three_decimals_is_refused_even_when_trailing_zeros(text: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_money(Decimal(text), "additional_shipping_charge")
    assert refused.value.code is ErrorCode.INVALID_INPUT


def test_naming_a_fully_picked_line_without_quantity_is_invalid_quantity() -> None:
    lines = [line(1, 10, picked=10), line(2, 5)]
    with pytest.raises(DomainError) as refused:
        plan_pick(S.CONFIRMED, lines, [PickRequest(1, None)], {1: 0, 2: 5}, {ITEM: ON_HAND})
    assert refused.value.code is ErrorCode.INVALID_QUANTITY
    assert refused.value.field == "lines.0"


def test_a_return_gives_back_at_most_what_the_line_picked() -> None:
    lines = [line(1, 600, picked=500)]
    assert plan_return(S.CONFIRMED, lines, [PickRequest(1, 30)]) == [Pick(1, ITEM, 30)]
    assert plan_return(S.PAID, lines, [PickRequest(1, None)]) == [Pick(1, ITEM, 500)]
    for quantity in (0, -1, 501):
        with pytest.raises(DomainError) as refused:
            plan_return(S.CONFIRMED, lines, [PickRequest(1, quantity)])
        assert refused.value.code is ErrorCode.INVALID_QUANTITY


@pytest.mark.parametrize("status", [S.PICKED, S.PACKED, S.ON_BACKORDER, S.CANCELLED])
def test_a_return_needs_an_order_still_being_picked(status: OrderStatus) -> None:
    with pytest.raises(DomainError) as refused:
        plan_return(status, [line(1, 10, picked=10)], [PickRequest(1, 1)])
    assert refused.value.code is ErrorCode.INVALID_STATUS


def test_a_return_names_known_lines_once() -> None:
    lines = [line(1, 10, picked=5)]
    with pytest.raises(DomainError) as unknown:
        plan_return(S.CONFIRMED, lines, [PickRequest(9, 1)])
    assert unknown.value.code is ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as twice:
        plan_return(S.CONFIRMED, lines, [PickRequest(1, 1), PickRequest(1, 1)])
    assert twice.value.code is ErrorCode.INVALID_INPUT
    with pytest.raises(DomainError) as empty:
        plan_return(S.CONFIRMED, lines, [])
    assert empty.value.code is ErrorCode.INVALID_INPUT


@pytest.mark.parametrize("quantity", [0, MAX_LINE_QUANTITY + 1, -MAX_LINE_QUANTITY - 1])
def test_an_adjustment_is_a_nonzero_change_within_limits(quantity: int) -> None:
    with pytest.raises(DomainError) as refused:
        require_adjustment(quantity)
    assert refused.value.code is ErrorCode.INVALID_QUANTITY
    require_adjustment(-5)
    require_adjustment(MAX_LINE_QUANTITY)
