"""Who may do what and who may see stock figures: the pure policy."""

from __future__ import annotations

import pytest

from backorders.resolvers.rules.access import (
    CAN_VIEW_AVAILABLE_QUANTITY,
    MANAGE_SETTINGS,
    MAX_SETTING_VALUE,
    PLACE_ORDER,
    SETTING_DEFAULTS,
    WORK_ORDERS,
    Principal,
    Role,
    can_view_stock,
    parse_role_list,
    validate_setting,
)
from backorders.resolvers.rules.errors import DomainError, ErrorCode

DEFAULT_VIEWERS = SETTING_DEFAULTS[CAN_VIEW_AVAILABLE_QUANTITY]


def principal(*roles: str, customer: str | None = None) -> Principal:
    return Principal(sub="someone", roles=frozenset(roles), customer_code=customer)


@pytest.mark.parametrize("role", ["Administrator", "Sales Admin", "Sales", "Warehouse"])
def test_every_staff_role_is_staff(role: str) -> None:
    caller = principal(role)
    assert caller.is_staff
    assert not caller.is_customer_only


def test_customer_alone_is_customer_only() -> None:
    caller = principal("Customer", customer="ACME")
    assert not caller.is_staff
    assert caller.is_customer_only


def test_customer_with_a_staff_role_is_not_limited_to_its_customer() -> None:
    caller = principal("Customer", "Sales", customer="ACME")
    assert caller.is_staff
    assert not caller.is_customer_only


def test_unknown_or_no_roles_are_neither_staff_nor_customer() -> None:
    for caller in (principal(), principal("Root", "administrator")):
        assert not caller.is_staff
        assert not caller.is_customer_only
        assert not caller.has_any(Role)


def test_has_any_needs_one_of_the_allowed_roles() -> None:
    assert principal("Warehouse").has_any(WORK_ORDERS)
    assert not principal("Sales").has_any(WORK_ORDERS)
    assert principal("Customer", customer="ACME").has_any(PLACE_ORDER)
    assert not principal("Sales Admin", "Warehouse", "Sales").has_any(MANAGE_SETTINGS)
    assert principal("Sales", "Administrator").has_any(MANAGE_SETTINGS)
    assert not principal("Administrator").has_any([])


def test_role_lists_are_split_on_commas_and_trimmed() -> None:
    assert parse_role_list(" Sales Admin ,Warehouse,, ,Sales ,") == frozenset(
        {"Sales Admin", "Warehouse", "Sales"}
    )


@pytest.mark.parametrize("value", ["", " ", ",", " , ,"])
def test_empty_role_lists_name_nobody(value: str) -> None:
    assert parse_role_list(value) == frozenset()


def test_default_setting_lets_every_staff_role_see_stock_but_not_customers() -> None:
    for role in ("Administrator", "Sales Admin", "Sales", "Warehouse"):
        assert can_view_stock([role], DEFAULT_VIEWERS)
    assert not can_view_stock(["Customer"], DEFAULT_VIEWERS)
    assert not can_view_stock([], DEFAULT_VIEWERS)


def test_any_one_listed_role_is_enough_to_see_stock() -> None:
    assert can_view_stock(["Customer", "Warehouse"], "Warehouse")
    assert not can_view_stock(["Customer", "Sales"], "Warehouse")


def test_role_names_in_the_setting_are_matched_exactly_after_trimming() -> None:
    assert can_view_stock(["Sales Admin"], "  Sales Admin , Warehouse")
    assert not can_view_stock(["Sales"], "Sales Admin")
    assert not can_view_stock(["sales"], "Sales")


def test_an_empty_setting_hides_stock_from_everyone() -> None:
    assert not can_view_stock(["Administrator"], "")


def test_unknown_setting_is_not_found() -> None:
    with pytest.raises(DomainError) as error:
        validate_setting("PrintIQ_Sales_Whatever", "Sales")
    assert error.value.code is ErrorCode.NOT_FOUND
    assert error.value.field == "key"


@pytest.mark.parametrize("value", ["Sales,Salez", "administrator", "Warehouse, Root"])
def test_unknown_role_in_the_setting_is_invalid_input(value: str) -> None:
    with pytest.raises(DomainError) as error:
        validate_setting(CAN_VIEW_AVAILABLE_QUANTITY, value)
    assert error.value.code is ErrorCode.INVALID_INPUT
    assert error.value.field == "value"


def test_over_long_setting_value_is_invalid_input() -> None:
    with pytest.raises(DomainError) as error:
        validate_setting(CAN_VIEW_AVAILABLE_QUANTITY, "Sales," * (MAX_SETTING_VALUE // 6 + 1))
    assert error.value.code is ErrorCode.INVALID_INPUT
    assert error.value.field == "value"


def test_role_list_setting_is_normalised_trimmed_sorted_and_deduplicated() -> None:
    value = validate_setting(
        CAN_VIEW_AVAILABLE_QUANTITY, " Warehouse ,Sales Admin,,Warehouse, Administrator "
    )
    assert value == "Administrator,Sales Admin,Warehouse"
    assert parse_role_list(value) == frozenset({"Administrator", "Sales Admin", "Warehouse"})


def test_setting_may_name_customer_or_nobody() -> None:
    assert validate_setting(CAN_VIEW_AVAILABLE_QUANTITY, "Customer") == "Customer"
    assert validate_setting(CAN_VIEW_AVAILABLE_QUANTITY, " , ") == ""


def test_default_setting_value_is_itself_valid() -> None:
    normalised = validate_setting(CAN_VIEW_AVAILABLE_QUANTITY, DEFAULT_VIEWERS)
    assert parse_role_list(normalised) == parse_role_list(DEFAULT_VIEWERS)
