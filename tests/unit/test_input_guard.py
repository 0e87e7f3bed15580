"""Every string a caller can send has a declared bound, so the edge checks all of them."""

from __future__ import annotations

import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)

from backorders.schema.build import integration_schema, spa_schema
from backorders.schema.input_guard import MAX_LENGTH, string_problem

TEXT_SCALARS = {"String", "ID"}


def text_inputs(schema_name: str) -> tuple[set[str], set[str]]:
    """(names of String/ID inputs on root fields and input types, such args on other fields)."""
    schema = (integration_schema if schema_name == "integration" else spa_schema)()._schema
    roots = {schema.query_type, schema.mutation_type}
    guarded: set[str] = set()
    unguarded: set[str] = set()
    for type_ in schema.type_map.values():
        if type_.name.startswith("__"):
            continue
        if isinstance(type_, GraphQLInputObjectType):
            for name, field in type_.fields.items():
                named = get_named_type(field.type)
                if isinstance(named, GraphQLScalarType) and named.name in TEXT_SCALARS:
                    guarded.add(name)
        if isinstance(type_, GraphQLObjectType):
            for field_name, field in type_.fields.items():
                for name, argument in field.args.items():
                    named = get_named_type(argument.type)
                    if isinstance(named, GraphQLScalarType) and named.name in TEXT_SCALARS:
                        target = guarded if type_ in roots else unguarded
                        target.add(name if type_ in roots else f"{type_.name}.{field_name}.{name}")
    return guarded, unguarded


@pytest.mark.parametrize("schema_name", ["integration", "spa"])
def test_every_string_input_of_the_schema_has_a_declared_maximum(schema_name: str) -> None:
    guarded, unguarded = text_inputs(schema_name)
    assert guarded - set(MAX_LENGTH) == set()
    assert unguarded == set()  # the guard sits on root fields: no string arguments below them


def test_a_string_within_its_bound_is_fine_and_one_beyond_is_not() -> None:
    assert string_problem("C" * 64, "itemCode") is None
    assert string_problem("C" * 65, "itemCode") == "At most 64 characters."


def test_a_nul_character_is_not_text() -> None:
    assert string_problem("PO\x00", "reference") == "Not valid text: it contains a NUL character."


def test_a_lone_surrogate_is_not_text() -> None:
    assert string_problem("ok\ud800", "reference") == (
        "Not valid text: it contains an unpaired surrogate."
    )
    assert string_problem("\U0001f600 emoji are fine", "reference") is None
