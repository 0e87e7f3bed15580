"""One GraphQL request against one schema: prepare the document once per text, then execute.

Preparing is parsing (with a token limit), the query limits of
`schema.limits` (each fragment measured once), then graphql-core's standard
validation rules. The limits run first and alone: a document they refuse
never reaches a rule whose cost could grow with the expansion. Valid
documents are remembered per text, so the usual handful of operations a
client sends are parsed and validated once per process; the memory is
bounded by the characters it holds, and refused documents are not kept.

Execution is graphql-core's, over the schema Strawberry built, with the
resolvers, permissions and field extensions Strawberry compiled into it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import MaxIntrospectionDepthRule
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from backorders.schema.context import Context
from backorders.schema.errors import mask_errors
from backorders.schema.limits import (
    INTROSPECTION_ROOTS,
    QueryLimits,
    check_limits,
    field_names,
    root_field_count,
)

VALIDATION_RULES = (
    *specified_rules,
    MaxIntrospectionDepthRule,
    MaybeNullValidationRule,
    OneOfInputValidationRule,
)
# The fields that carry a stock figure, by name (each name means only that).
STOCK_FIELDS = frozenset(
    {"quantityOnHand", "availableQuantity", "inStockQuantity", "history", "stockMovements"}
)
# Longer texts are prepared every time rather than held in memory; a parsed
# document takes a few hundred bytes per character of its text.
MAX_CACHED_QUERY_CHARS = 20_000
CACHED_CHARS = 256_000


@dataclass(frozen=True)
class PreparedDocument:
    document: DocumentNode | None
    errors: list[GraphQLError]  # non-empty: the request is refused before execution
    introspects: bool = False  # asks for `__schema` or `__type`
    selects_stock: bool = False  # asks for a field that carries a stock figure

    def operation(self, operation_name: str | None) -> OperationDefinitionNode | None:
        """The operation that would run, or None when there is no such operation."""
        if self.document is None:
            return None
        return get_operation_ast(self.document, operation_name)

    def operation_type(self, operation_name: str | None) -> OperationType | None:
        operation = self.operation(operation_name)
        return operation.operation if operation is not None else None

    def root_fields(self, operation_name: str | None) -> int:
        """How many root fields the operation selects (a mutation's count of mutations)."""
        operation = self.operation(operation_name)
        if operation is None or self.document is None:
            return 0
        return root_field_count(self.document, operation)


class Executor:
    """Prepares and runs documents for one schema; one per endpoint, shared by its requests."""

    def __init__(
        self,
        schema: strawberry.Schema,
        limits: QueryLimits,
        max_tokens: int,
        *,
        hide_suggestions: bool = False,
        cached_chars: int = CACHED_CHARS,
    ) -> None:
        self.schema = schema
        self.limits = limits
        self.max_tokens = max_tokens
        # "Did you mean ...?" names fields of the schema: not on a schema whose
        # introspection is not for everyone.
        self.hide_suggestions = hide_suggestions
        self.cached_chars = cached_chars
        self._prepared: OrderedDict[str, PreparedDocument] = OrderedDict()
        self._chars = 0

    def prepare(self, query: str) -> PreparedDocument:
        prepared = self._prepared.get(query)
        if prepared is not None:
            self._prepared.move_to_end(query)
            return prepared
        prepared = self._prepare(query)
        if not prepared.errors and len(query) <= MAX_CACHED_QUERY_CHARS:
            self._prepared[query] = prepared
            self._chars += len(query)
            while self._chars > self.cached_chars:
                oldest, _ = self._prepared.popitem(last=False)
                self._chars -= len(oldest)
        return prepared

    def _prepare(self, query: str) -> PreparedDocument:
        try:
            document = parse(query, max_tokens=self.max_tokens)
        except GraphQLError as error:
            return PreparedDocument(None, [error])
        except RecursionError:
            return PreparedDocument(None, [GraphQLError("The document is nested too deeply.")])
        errors = check_limits(document, self.limits)
        if not errors:
            errors = validate(
                self.schema._schema,
                document,
                VALIDATION_RULES,
                hide_suggestions=self.hide_suggestions,
            )
        names = field_names(document)
        return PreparedDocument(
            document,
            errors,
            introspects=not INTROSPECTION_ROOTS.isdisjoint(names),
            selects_stock=not STOCK_FIELDS.isdisjoint(names),
        )

    async def execute(
        self,
        prepared: PreparedDocument,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: Context,
        request_id: str,
    ) -> ExecutionResult:
        if prepared.errors or prepared.document is None:
            return ExecutionResult(data=None, errors=prepared.errors)
        if prepared.selects_stock:
            context.stock_visible = await context.can_view_stock()
        result = execute(
            self.schema._schema,
            prepared.document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
            hide_suggestions=self.hide_suggestions,
            executor_class=self.schema.execution_context_class,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
            operation_extensions=None,
        )
        if not isinstance(result, ExecutionResult):
            result = await result
        if result.errors:
            result = ExecutionResult(result.data, mask_errors(result.errors, request_id))
        return result
