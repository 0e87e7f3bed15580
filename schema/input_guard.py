"""Every string a caller sends is checked at the edge, before any rule or query sees it.

A string that cannot be stored (a lone surrogate has no UTF-8 form,
PostgreSQL's text has no NUL) or is
longer than its column would otherwise fail deep in the database driver, as
an INTERNAL_SERVER_ERROR with the caller's value in the traceback. Here it is
refused as INVALID_INPUT naming the field: a mutation answers it in
`userErrors` (and changes nothing), a query as a GraphQL error.

Each string field and argument has its bound in `MAX_LENGTH`, by wire name;
`tests/unit/test_input_guard.py` checks every String and ID input of both
schemas has one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry import Info
from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import AsyncExtensionResolver, SyncExtensionResolver
from strawberry.types.base import has_object_definition
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

from backorders.resolvers.rules.errors import DomainError, ErrorCode

CODE = 64  # item and customer codes: the columns' length
MAX_LENGTH: dict[str, int] = {
    "code": CODE,
    "itemCode": CODE,
    "customerCode": CODE,
    "name": 200,
    "reference": 200,
    "idempotencyKey": 200,
    "orderNumber": 32,
    "number": 32,
    "lineId": 20,
    "key": 100,
    "value": 1000,
    "search": CODE,  # part of a code
    "after": 200,  # an opaque cursor
}


def max_length(name: str) -> int:
    return MAX_LENGTH[name]


def string_problem(value: str, name: str) -> str | None:
    """Why a caller's string cannot be taken, or None."""
    limit = MAX_LENGTH.get(name, 200)
    if len(value) > limit:
        return f"At most {limit} characters."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Not valid text: it contains an unpaired surrogate."
    if "\x00" in value:  # PostgreSQL's text cannot hold it; SQLite would, so refuse it on both
        return "Not valid text: it contains a NUL character."
    return None


def _strings(value: Any, path: str, name: str) -> Iterator[tuple[str, str, str]]:
    """Each string inside an argument value: (value, wire path, field name)."""
    if isinstance(value, str):
        yield value, path, name
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}", name)
    elif has_object_definition(value):
        for field in value.__strawberry_definition__.fields:
            wire = field.graphql_name or to_camel_case(field.python_name)
            yield from _strings(
                getattr(value, field.python_name), f"{path}.{wire}" if path else wire, wire
            )


def first_problem(kwargs: dict[str, Any], relative_to_input: bool) -> DomainError | None:
    for argument, value in kwargs.items():
        wire = to_camel_case(argument)
        # A mutation's fields are named relative to its `input`, as in its userErrors.
        path = "" if relative_to_input and wire == "input" else wire
        for text, field_path, name in _strings(value, path, wire):
            problem = string_problem(text, name)
            if problem is not None:
                return DomainError(ErrorCode.INVALID_INPUT, problem, field_path)
    return None


class InputGuard(FieldExtension):
    """On each root field: refuse unusable strings before the resolver runs."""

    def __init__(self, mutation: bool) -> None:
        self.mutation = mutation
        self.payload: Any = None

    def apply(self, field: StrawberryField) -> None:
        if self.mutation:
            self.payload = field.type  # every payload takes `user_errors` alone

    def _refusal(self, error: DomainError) -> Any:
        if self.mutation:
            from backorders.schema.types import UserError

            return self.payload(user_errors=[UserError.of(error)])
        raise GraphQLError(
            error.message, extensions={"code": error.code.value, "field": error.field}
        )

    def resolve(self, next_: SyncExtensionResolver, source: Any, info: Info, **kwargs: Any) -> Any:
        error = first_problem(kwargs, self.mutation)
        return self._refusal(error) if error else next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        error = first_problem(kwargs, self.mutation)
        if error is not None:
            return self._refusal(error)
        return await next_(source, info, **kwargs)
