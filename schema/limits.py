"""What one GraphQL document may ask for, measured in one pass over the document.

A fragment spread stands for its fragment's whole selection, so a document of
nested fragments that each spread the next one twice expands to 2^n fields
in a few hundred bytes. Walking every spread again (as Strawberry's depth and
alias limiters do) costs as much as the expansion. Here every fragment
definition is summarised once, and a spread adds its fragment's summary: the
cost of checking is bounded by the document's size, whatever it expands to.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

# Counts stop growing here: a document that expands beyond it is refused
# anyway, and the arithmetic stays on small integers.
_SATURATED = 2**62
INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


@dataclass(frozen=True)
class QueryLimits:
    max_depth: int
    max_aliases: int
    max_fields: int


@dataclass(frozen=True)
class Size:
    """A selection set's measure once its fragment spreads are expanded."""

    depth: int  # nesting of non-introspection fields below it (0: only leaves)
    aliases: int
    fields: int

    def __add__(self, other: Size) -> Size:
        return Size(
            max(self.depth, other.depth),
            min(self.aliases + other.aliases, _SATURATED),
            min(self.fields + other.fields, _SATURATED),
        )


EMPTY = Size(0, 0, 0)


class _Measure:
    """Measures selection sets; each fragment definition is measured once and remembered."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments: dict[str, FragmentDefinitionNode] = {}
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                self.fragments.setdefault(definition.name.value, definition)
        self.sizes: dict[str, Size] = {}
        self.in_progress: set[str] = set()

    def fragment(self, name: str) -> Size:
        if name in self.sizes:
            return self.sizes[name]
        definition = self.fragments.get(name)
        # Unknown fragments and cycles are refused by the standard rules
        # (KnownFragmentNames, NoFragmentCycles); they add nothing here.
        if definition is None or name in self.in_progress:
            return EMPTY
        self.in_progress.add(name)
        size = self.selection_set(definition.selection_set)
        self.in_progress.discard(name)
        self.sizes[name] = size
        return size

    def selection_set(self, selection_set: SelectionSetNode | None) -> Size:
        total = EMPTY
        if selection_set is None:
            return total
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total = total + self.field(selection)
            elif isinstance(selection, FragmentSpreadNode):
                total = total + self.fragment(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                total = total + self.selection_set(selection.selection_set)
        return total

    def field(self, node: FieldNode) -> Size:
        below = self.selection_set(node.selection_set)
        # As graphql-depth-limit (and Strawberry) count it: introspection
        # fields add no depth. Their lists are bounded by graphql-core's
        # MaxIntrospectionDepthRule, and their fields count like any other.
        nested = node.selection_set is not None and not node.name.value.startswith("__")
        return Size(
            depth=1 + below.depth if nested else 0,
            aliases=min(below.aliases + (node.alias is not None), _SATURATED),
            fields=min(below.fields + 1, _SATURATED),
        )


def check_limits(document: DocumentNode, limits: QueryLimits) -> list[GraphQLError]:
    """The limit each operation of the document exceeds (empty: within every limit)."""
    measure = _Measure(document)
    errors: list[GraphQLError] = []
    try:
        operations = [
            (definition, measure.selection_set(definition.selection_set))
            for definition in document.definitions
            if isinstance(definition, OperationDefinitionNode)
        ]
    except RecursionError:
        return [GraphQLError("The document is nested too deeply.")]
    for operation, size in operations:
        name = operation.name.value if operation.name else "anonymous"
        if size.depth > limits.max_depth:
            errors.append(
                GraphQLError(
                    f"'{name}' exceeds maximum operation depth of {limits.max_depth}",
                    [operation],
                )
            )
        if size.aliases > limits.max_aliases:
            errors.append(
                GraphQLError(
                    f"{_count(size.aliases)} aliases found. Allowed: {limits.max_aliases}",
                    [operation],
                )
            )
        if size.fields > limits.max_fields:
            errors.append(
                GraphQLError(
                    f"'{name}' selects {_count(size.fields)} fields once its fragments are "
                    f"expanded. Allowed: {limits.max_fields}",
                    [operation],
                )
            )
    return errors


def _count(value: int) -> str:
    return "more than 2^62" if value >= _SATURATED else str(value)


def selects_introspection(document: DocumentNode) -> bool:
    """Whether any operation or fragment asks for `__schema` or `__type` (`__typename` is fine)."""
    pending: list[SelectionSetNode] = [
        definition.selection_set
        for definition in document.definitions
        if isinstance(definition, (OperationDefinitionNode, FragmentDefinitionNode))
    ]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode) and selection.name.value in INTROSPECTION_ROOTS:
                return True
            sub = getattr(selection, "selection_set", None)
            if sub is not None:
                pending.append(sub)
    return False
