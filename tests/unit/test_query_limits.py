"""The query limits measure a document once per fragment, whatever it expands to."""

from __future__ import annotations

from graphql import parse

from backorders.schema.limits import QueryLimits, check_limits, selects_introspection

LIMITS = QueryLimits(max_depth=12, max_aliases=30, max_fields=1000)


def doubling_fragments(levels: int) -> str:
    """`{ ...L0 }` where each fragment spreads the next one twice: 2^levels fields expanded."""
    fragments = " ".join(
        f"fragment L{n} on Query {{ ...L{n + 1} ...L{n + 1} }}" for n in range(levels)
    )
    return f"{{ ...L0 }} {fragments} fragment L{levels} on Query {{ __typename }}"


def messages(query: str, limits: QueryLimits = LIMITS) -> list[str]:
    return [error.message for error in check_limits(parse(query), limits)]


def test_a_document_expanding_to_two_to_the_sixty_four_fields_is_measured_and_refused() -> None:
    # Walking each spread again would take 2^64 steps: this returns at once or never.
    [message] = messages(doubling_fragments(64))

    assert message == (
        "'anonymous' has more than 2^62 selections once its fragments are expanded. Allowed: 1000"
    )


def test_expanded_fields_are_counted_exactly_below_the_saturation() -> None:
    # doubling_fragments(n): 2^n fields and 2^(n+1) - 1 spreads, 3 * 2^n - 1 selections
    assert messages(doubling_fragments(5)) == []  # 95 (32 __typename: merge cost 1024)
    [message] = messages(doubling_fragments(9))
    assert "has 1535 selections" in message


def test_aliases_in_fragments_count_once_per_expansion() -> None:
    query = (
        "query Q { ...A ...B } "
        "fragment A on Query { a1: __typename a2: __typename ...C } "
        "fragment B on Query { ...C ...C } "
        "fragment C on Query { c1: __typename }"
    )
    # A: 2 + C(1) = 3; B: 2 * C(1) = 2; total 5
    assert messages(query, QueryLimits(12, 5, 1000)) == []
    assert messages(query, QueryLimits(12, 4, 1000)) == ["5 aliases found. Allowed: 4"]


def test_depth_through_fragments_is_the_deepest_path() -> None:
    query = (
        "query Deep { salesOrders { ...E } } "
        "fragment E on SalesOrderConnection { edges { node { backorderOf { ...N } } } } "
        "fragment N on SalesOrder { backorderOf { backorderOf { number } } }"
    )
    # salesOrders 0, edges 1, node 2, backorderOf 3, 4, 5, number 6
    assert messages(query, QueryLimits(6, 30, 1000)) == []
    assert messages(query, QueryLimits(5, 30, 1000)) == [
        "'Deep' exceeds maximum operation depth of 5"
    ]


def test_introspection_fields_add_no_depth_but_count_as_fields() -> None:
    query = "{ __schema { types { fields { type { ofType { ofType { name } } } } } } }"
    assert messages(query, QueryLimits(0, 30, 1000)) == []
    assert messages(query, QueryLimits(0, 30, 6)) == [
        "'anonymous' has 7 selections once its fragments are expanded. Allowed: 6"
    ]


def test_a_fragment_cycle_is_left_to_the_standard_rules_and_does_not_loop() -> None:
    query = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A __typename }"
    assert messages(query) == []


def test_every_operation_of_a_document_is_measured() -> None:
    query = (
        "query Small { __typename } query Big { ...L0 } " + doubling_fragments(11).split(" ", 3)[3]
    )
    [message] = messages(query)
    assert message.startswith("'Big' has 6143 selections")


def test_introspection_roots_are_found_in_fragments_but_typename_is_not_one() -> None:
    assert selects_introspection(
        parse('{ ...F } fragment F on Query { __type(name: "X") { name } }')
    )
    assert selects_introspection(parse("{ __schema { queryType { name } } }"))
    assert not selects_introspection(parse('{ __typename salesItem(code: "X") { __typename } }'))


def test_one_field_repeated_hundreds_of_times_is_refused_before_the_overlap_rule_runs() -> None:
    # graphql-core's OverlappingFieldsCanBeMerged compares every pair: about a second of CPU.
    repeated = "{ " + " ".join(["salesItems { edges { node { code } } }"] * 240) + " }"
    [message] = messages(repeated)
    assert "repeats fields too often to be checked (merge cost 230400, allowed 10000)" in message


def test_repeats_multiply_where_selections_merge() -> None:
    inner = "lines { " + " ".join(["item { code }"] * 10) + " }"
    query = "{ salesOrders { edges { node { " + " ".join([inner] * 30) + " } } } }"
    [message] = messages(query)
    assert "merge cost" in message  # 300 `item` fields merge on one path: 90,000 pairs


def test_a_field_selected_a_few_times_through_fragments_is_fine() -> None:
    query = (
        "{ salesOrders { edges { node { number ...F ...F lines { item { code } } } } } } "
        "fragment F on SalesOrder { number lines { item { code name } } }"
    )
    assert messages(query) == []
