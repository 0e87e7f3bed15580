"""What one GraphQL document may ask for, measured in one pass over the document.

A fragment spread stands for its fragment's whole selection, so a document of
nested fragments that each spread the next one twice expands to 2^n fields
in a few hundred bytes. Walking every spread again (as Strawberry's depth and
alias limiters do) costs as much as the expansion. Here every fragment
definition is summarised once, and a spread adds its fragment's summary: the
cost of checking is bounded by the document's size, whatever it expands to.

Only a document whose expansion is small is then walked expanded, once, to
price what graphql-core's OverlappingFieldsCanBeMerged rule will do: it
compares every pair of fields that share a response name where their
selections merge, so 240 copies of one field cost it a second of CPU. The
price is the sum, over every merged response path, of the square of the
number of fields on it; it is bounded by `MAX_MERGE_COST`.
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
# About 40 ms of the overlap rule; a document without repeated fields costs
# one per field (at most BACKORDERS_MAX_QUERY_FIELDS).
MAX_MERGE_COST = 10_000


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
    fields: int  # fields, fragment spreads and inline fragments, expanded

    def __add__(self, other: Size) -> Size:
        return Size(
            max(self.depth, other.depth),
            min(self.aliases + other.aliases, _SATURATED),
            min(self.fields + other.fields, _SATURATED),
        )


EMPTY = Size(0, 0, 0)
SPREAD = Size(0, 0, 1)  # a spread counts too: fragments of spreads alone also expand


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
                total = total + self.fragment(selection.name.value) + SPREAD
            elif isinstance(selection, InlineFragmentNode):
                total = total + self.selection_set(selection.selection_set) + SPREAD
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
                    f"'{name}' has {_count(size.fields)} selections once its fragments are "
                    f"expanded. Allowed: {limits.max_fields}",
                    [operation],
                )
            )
        elif (cost := merge_cost(operation.selection_set, measure.fragments, size.fields)) > (
            MAX_MERGE_COST
        ):
            errors.append(
                GraphQLError(
                    f"'{name}' repeats fields too often to be checked (merge cost "
                    f"{_count(cost)}, allowed {MAX_MERGE_COST}); select each field once.",
                    [operation],
                )
            )
    return errors


def merge_cost(
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    expanded: int,
) -> int:
    """Sum over merged response paths of (fields on the path)^2, walking the expansion once.

    Called only when the expansion is small (`expanded` selections), so the
    walk visits each expanded selection once. Only a fragment cycle can make
    it take more steps: it stops and answers 0, and NoFragmentCycles refuses
    the document.
    """
    steps_left = 2 * expanded + 16
    cost = 0
    paths: list[list[SelectionSetNode]] = [[selection_set]]
    while paths:
        merged = paths.pop()
        counts: dict[str, int] = {}
        below: dict[str, list[SelectionSetNode]] = {}
        pending = list(merged)
        while pending:
            for selection in pending.pop().selections:
                steps_left -= 1
                if steps_left < 0:
                    return 0
                if isinstance(selection, FieldNode):
                    key = (selection.alias or selection.name).value
                    counts[key] = counts.get(key, 0) + 1
                    if selection.selection_set is not None:
                        below.setdefault(key, []).append(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = fragments.get(selection.name.value)
                    if fragment is not None:
                        pending.append(fragment.selection_set)
                elif isinstance(selection, InlineFragmentNode):
                    pending.append(selection.selection_set)
        cost += sum(count * count for count in counts.values())
        paths.extend(below.values())
    return cost


def _count(value: int) -> str:
    return "more than 2^62" if value >= _SATURATED else str(value)


def root_field_count(document: DocumentNode, operation: OperationDefinitionNode) -> int:
    """Fields at the operation's root, through fragments spread there (each fragment once)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    count, seen = 0, set()
    pending = [operation.selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                count += selection.name.value != "__typename"
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                seen.add(selection.name.value)
                if (fragment := fragments.get(selection.name.value)) is not None:
                    pending.append(fragment.selection_set)
    return count


def field_names(document: DocumentNode) -> frozenset[str]:
    """The names of every field any operation or fragment selects (aliases aside)."""
    names: set[str] = set()
    pending: list[SelectionSetNode] = [
        definition.selection_set
        for definition in document.definitions
        if isinstance(definition, (OperationDefinitionNode, FragmentDefinitionNode))
    ]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
            sub = getattr(selection, "selection_set", None)
            if sub is not None:
                pending.append(sub)
    return frozenset(names)


def selects_introspection(document: DocumentNode) -> bool:
    """Whether any operation or fragment asks for `__schema` or `__type` (`__typename` is fine)."""
    return not INTROSPECTION_ROOTS.isdisjoint(field_names(document))
