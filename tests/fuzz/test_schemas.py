"""Property-based fuzzing of both GraphQL schemas, over HTTP, as every role.

The hand-written tests cover the operations someone thought of; callers send
the ones nobody did. hypothesis-graphql writes documents from each schema's
own SDL (valid ones, and, in its negative mode, ones with one violation), and
every document goes to the real app as each role in turn. Whatever it is,
the answer must be JSON with status 200 or 429, carry no
INTERNAL_SERVER_ERROR, and show a caller outside
`PrintIQ_Sales_CanViewAvailableQuantity` no stock figure; after each example
the ledger invariants (`find_drifts`) must still hold.

How hypothesis meets asyncio: pytest-asyncio (1.x, auto mode) recognises an
`async def` test under `@given` and runs each example's coroutine on the
test's own event loop, the loop the `app` fixture's lifespan (Tortoise and
its connections) lives on, so the examples use the real fixtures as they are.
(A sync `@given` test would need a loop of its own, and Tortoise's
connections belong to the fixtures' loop.) Those fixtures are
function-scoped: hypothesis builds them once per test, not once per example,
and its `function_scoped_fixture` health check says so. Here that is the
point, so the check is suppressed: each test (per schema, per backend) seeds
one database and its examples carry its state forward, as a running
service's callers would, mutations included. A consequence is that shrinking
replays examples on a changed database: a failure can come back as "flaky",
with the first error and its notes (document, variables, answer) attached;
those notes are the reproduction. Shrinking a failure can take minutes
(hypothesis stops it after five); passing runs pay nothing for it.

Scalars drawn alone seldom name a real item, order or line, so most of the
documents would end at NOT_FOUND; `with_hints` sets most code, number, line
and quantity arguments to ones the seeded data knows, so that documents get
as far as the rules, the locks and the ledger. Literal arguments are what
hypothesis-graphql writes; half of the valid documents have their root
arguments moved into variables, since variables take another coercion path
(`parse_value` rather than `parse_literal`).

Stock fields are found by field name, not by response key: hypothesis-graphql
writes aliases only where fragments on different types would clash, which
these schemas (no interfaces, no unions) never need, but the check maps each
response key back through the sent document's selections anyway, fragments
included, and fails on a key it cannot map.

`BACKORDERS_FUZZ_EXAMPLES` raises the example count (25 by default);
`BACKORDERS_FUZZ_RANDOMIZE=1` draws new examples on each run instead of the
same derandomized ones. No example database is written (`database=None`).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import graphql
import httpx
import hypothesis_graphql
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis_graphql import nodes

from backorders.resolvers.reads.invariants import find_drifts
from backorders.schema.build import integration_schema, spa_schema
from tests.support import Api

# Even with `database=None` hypothesis caches what it learns (constants found in
# the code, Unicode tables) under ./.hypothesis; keep the working tree clean.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "backorders-hypothesis")

EXAMPLES = int(os.environ.get("BACKORDERS_FUZZ_EXAMPLES", "25"))
RANDOMIZE = os.environ.get("BACKORDERS_FUZZ_RANDOMIZE", "") not in ("", "0")
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=not RANDOMIZE,
    database=None,
    # An example is six requests and a full invariant scan; its time says little.
    deadline=None,
    # One seeded database per test is the design (see the module docstring).
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

STOCK_FIELDS = frozenset(
    {"quantityOnHand", "availableQuantity", "inStockQuantity", "stockMovements", "history"}
)
SETTING_KEY = "PrintIQ_Sales_CanViewAvailableQuantity"
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True)
class Caller:
    name: str
    roles: tuple[str, ...]
    customer: str | None = None

    @property
    def sub(self) -> str:
        return f"fuzz-{self.name}"


CALLERS = (
    Caller("administrator", ("Administrator",)),
    Caller("sales-admin", ("Sales Admin",)),
    Caller("sales", ("Sales",)),
    Caller("warehouse", ("Warehouse",)),
    Caller("customer", ("Customer",), customer="ACME"),
    Caller("no-known-role", ("Auditor",)),
)


class Schema(Enum):
    INTEGRATION = "/graphql"
    SPA = "/spa/graphql"

    def sdl(self) -> str:
        built = integration_schema() if self is Schema.INTEGRATION else spa_schema()
        return built.as_str()


# ------------------------------------------------------------------ strategies

# Values the seeded data knows, so that documents reach the rules instead of
# stopping at NOT_FOUND; arbitrary text around them.
KNOWN_STRINGS = (
    "ACME",
    "GLOBEX",
    "INITECH",
    "BC-STD",
    "FLYER-A5",
    "POSTER-A1",
    "ENV-DL",
    "BC",
    "1001",
    "1001-001",
    "1001-002",
    "1002",
    "1003",
    "1004",
    "1005",
    "9999",
    "1001-",
    "-001",
    SETTING_KEY,
    "Administrator,Sales Admin,Sales,Warehouse",
    "Administrator,Warehouse",
    "Administrator",
    " Sales , Warehouse ,",
    "Customer",
    "Administrator,Nobody",
    "retry-1",
    "retry-2",
    "PO-4711",
    "",
    " ",
    "x" * 65,
    "x" * 201,
)
STRINGS = st.one_of(st.sampled_from(KNOWN_STRINGS), st.text(max_size=30))

INTS = st.one_of(
    st.integers(min_value=-3, max_value=20),
    st.sampled_from((0, 1, 99, 100, 101, 500, 600, 1_000_000, 1_000_001, INT_MIN, INT_MAX)),
    st.integers(min_value=INT_MIN, max_value=INT_MAX),
)

ODD_DECIMALS = (
    "15.00",
    "12.50",
    "0.00",
    "0",
    "-0.00",
    "-1.00",
    "0.001",
    "12.345",
    "1e3",
    "1E+2",
    "+5",
    ".5",
    "5.",
    " 7.50 ",
    "1_000.00",
    "\u0661\u0662.\u0665\u0660",
    "NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "",
    "abc",
    "0x10",
    "9" * 40,
    "9" * 41,
    "1E+999999999",
    "1E-999999999",
    "0E+10",
    "99999999999999999999.99",
    "21474836.47",
)
DECIMALS = st.one_of(
    st.sampled_from(ODD_DECIMALS).map(nodes.String),
    st.decimals(allow_nan=False, allow_infinity=False).map(nodes.String),
    st.text(max_size=45).map(nodes.String),
    st.integers().map(nodes.Int),
    st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
)

IDS = st.one_of(
    st.integers(min_value=0, max_value=15).map(str).map(nodes.String),
    st.integers(min_value=-1, max_value=15).map(nodes.Int),
    st.sampled_from(
        ("-1", "1.0", " 1", "\u0663", "1e3", "abc", "", "9" * 20, "9223372036854775808")
    ).map(nodes.String),
    st.integers(min_value=INT_MIN, max_value=INT_MAX).map(nodes.Int),
)

SCALARS: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
    # Built-in scalars replaced too: hypothesis-graphql looks custom strategies up first.
    "String": STRINGS.map(nodes.String),
    "Int": INTS.map(nodes.Int),
    "ID": IDS,
    "Decimal": DECIMALS,
    # Output-only today; here so that a DateTime argument added later is fuzzed
    # rather than refused by the generator.
    "DateTime": st.one_of(
        st.datetimes().map(lambda moment: moment.isoformat()), st.text(max_size=30)
    ).map(nodes.String),
}


ITEM_CODES = ("BC-STD", "FLYER-A5", "POSTER-A1", "ENV-DL")
CUSTOMER_CODES = ("ACME", "GLOBEX")
ORDER_NUMBERS = ("1001", "1001-001", "1001-002", "1002", "1003", "1004", "1005", "1006")
ROLE_LISTS = (
    "Administrator,Sales Admin,Sales,Warehouse",
    "Administrator,Warehouse",
    "Sales Admin, Sales ,Warehouse,Administrator,",
    "Customer,Administrator",
)
# Argument and input field names whose values the seeded data can answer. A
# value drawn for the scalar alone rarely names a real item, order or line;
# these rewrite most of them (each site by a draw) to real ones.
HINTS: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
    "itemCode": st.sampled_from(ITEM_CODES).map(nodes.String),
    "code": st.sampled_from(ITEM_CODES + CUSTOMER_CODES + ("NEW-1", "NEW-2")).map(nodes.String),
    "customerCode": st.sampled_from(CUSTOMER_CODES).map(nodes.String),
    "orderNumber": st.sampled_from(ORDER_NUMBERS).map(nodes.String),
    "number": st.sampled_from(ORDER_NUMBERS).map(nodes.String),
    "lineId": st.integers(min_value=1, max_value=12).map(nodes.String),
    "quantity": st.one_of(
        st.integers(min_value=1, max_value=25), st.sampled_from((100, 500, 600))
    ).map(nodes.Int),
    "first": st.integers(min_value=0, max_value=5).map(nodes.Int),
    "idempotencyKey": st.sampled_from(("retry-1", "retry-2")).map(nodes.String),
    "key": st.just(SETTING_KEY).map(nodes.String),
    "value": st.sampled_from(ROLE_LISTS).map(nodes.String),
    "search": st.sampled_from(("BC", "-", "a")).map(nodes.String),
}


def _field(name: str) -> Callable[[graphql.ValueNode], graphql.ObjectFieldNode]:
    def make(value: graphql.ValueNode) -> graphql.ObjectFieldNode:
        return graphql.ObjectFieldNode(name=graphql.NameNode(value=name), value=value)

    return make


def _object(fields: tuple[graphql.ObjectFieldNode, ...]) -> graphql.ValueNode:
    return graphql.ObjectValueNode(fields=fields)


def _hinted_objects(
    type_: graphql.GraphQLInputObjectType,
) -> st.SearchStrategy[graphql.ValueNode] | None:
    """Objects of `type_` made of hinted values, when every required field has a hint."""
    required = [
        name for name, field in type_.fields.items() if graphql.is_required_input_field(field)
    ]
    if not required or any(name not in HINTS for name in required):
        return None
    return st.tuples(*(HINTS[name].map(_field(name)) for name in required)).map(_object)


def with_hints(
    draw: st.DrawFn, schema: graphql.GraphQLSchema, document: graphql.DocumentNode
) -> graphql.DocumentNode:
    """The document with most hinted values replaced by known ones.

    Four sites in five: a placeOrder's lines must all name real items. An empty
    list of objects whose required fields all have hints (order lines, pick
    lines) is filled with one to three such objects, as it would otherwise
    stop at "An order needs at least one line."
    """
    type_info = graphql.TypeInfo(schema)

    def hinted(name: str, value: graphql.ValueNode) -> graphql.ValueNode:
        named = graphql.get_named_type(type_info.get_input_type())
        if name in HINTS and isinstance(named, graphql.GraphQLScalarType):
            if draw(st.integers(min_value=0, max_value=4), label=f"hint {name}"):
                return draw(HINTS[name], label=name)
        elif (
            isinstance(value, graphql.ListValueNode)
            and not value.values
            and isinstance(named, graphql.GraphQLInputObjectType)
            and (objects := _hinted_objects(named)) is not None
            and draw(st.integers(min_value=0, max_value=4), label=f"fill {name}")
        ):
            return nodes.List(draw(st.lists(objects, min_size=1, max_size=3), label=name))
        return value

    class Hints(graphql.Visitor):
        def enter_argument(self, node: graphql.ArgumentNode, *_: Any) -> graphql.ArgumentNode:
            return graphql.ArgumentNode(name=node.name, value=hinted(node.name.value, node.value))

        def enter_object_field(
            self, node: graphql.ObjectFieldNode, *_: Any
        ) -> graphql.ObjectFieldNode:
            return graphql.ObjectFieldNode(
                name=node.name, value=hinted(node.name.value, node.value)
            )

    rewritten: graphql.DocumentNode = graphql.visit(
        document, graphql.TypeInfoVisitor(type_info, Hints())
    )
    return rewritten


@dataclass(frozen=True)
class Operation:
    query: str
    variables: dict[str, Any]


def _document(document: graphql.DocumentNode) -> graphql.DocumentNode:
    return document


def _root_type(
    schema: graphql.GraphQLSchema, operation: graphql.OperationDefinitionNode
) -> graphql.GraphQLObjectType:
    if operation.operation is graphql.OperationType.MUTATION:
        root = schema.mutation_type
    else:
        root = schema.query_type
    assert root is not None
    return root


def with_variables(
    schema: graphql.GraphQLSchema, document: graphql.DocumentNode
) -> tuple[graphql.DocumentNode, dict[str, Any]]:
    """The document with each root field's literal arguments moved into variables."""
    (operation,) = document.definitions
    assert isinstance(operation, graphql.OperationDefinitionNode)
    root = _root_type(schema, operation)
    definitions: list[graphql.VariableDefinitionNode] = []
    variables: dict[str, Any] = {}
    selections: list[graphql.SelectionNode] = []
    for selection in operation.selection_set.selections:
        if not isinstance(selection, graphql.FieldNode):
            selections.append(selection)
            continue
        declared = root.fields[selection.name.value].args
        arguments: list[graphql.ArgumentNode] = []
        for argument in selection.arguments or ():
            name = f"v{len(definitions)}"
            definitions.append(
                graphql.VariableDefinitionNode(
                    variable=graphql.VariableNode(name=graphql.NameNode(value=name)),
                    type=graphql.parse_type(str(declared[argument.name.value].type)),
                    directives=(),
                )
            )
            variables[name] = graphql.value_from_ast_untyped(argument.value)
            arguments.append(
                graphql.ArgumentNode(
                    name=argument.name,
                    value=graphql.VariableNode(name=graphql.NameNode(value=name)),
                )
            )
        selections.append(
            graphql.FieldNode(
                alias=selection.alias,
                name=selection.name,
                arguments=tuple(arguments),
                directives=selection.directives,
                selection_set=selection.selection_set,
            )
        )
    hoisted = graphql.OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=tuple(definitions),
        directives=operation.directives,
        selection_set=graphql.SelectionSetNode(selections=tuple(selections)),
    )
    return graphql.DocumentNode(definitions=(hoisted,)), variables


def operations(target: Schema, kind: graphql.OperationType) -> st.SearchStrategy[Operation]:
    sdl = target.sdl()
    schema = graphql.build_schema(sdl)
    generate = (
        hypothesis_graphql.queries
        if kind is graphql.OperationType.QUERY
        else hypothesis_graphql.mutations
    )

    def valid(document: graphql.DocumentNode, hoist: bool) -> Operation:
        variables: dict[str, Any] = {}
        if hoist:
            document, variables = with_variables(schema, document)
        errors = graphql.validate(schema, document)
        assert not errors, (graphql.print_ast(document), errors)
        return Operation(graphql.print_ast(document), variables)

    root = schema.mutation_type if kind is graphql.OperationType.MUTATION else schema.query_type
    assert root is not None
    any_fields = generate(sdl, custom_scalars=SCALARS, print_ast=_document)
    one_field = [
        generate(sdl, fields=[name], custom_scalars=SCALARS, print_ast=_document)
        for name in root.fields
    ]
    negative = generate(
        sdl,
        custom_scalars=SCALARS,
        print_ast=graphql.print_ast,
        mode=hypothesis_graphql.Mode.NEGATIVE,
    )

    @st.composite
    def operation(draw: st.DrawFn) -> Operation:
        # A denied root field nulls the whole answer (payloads are non-null), so
        # most documents ask for one root field; some ask for several at once,
        # and one in ten breaks the schema once (those stop at validation).
        shape = draw(st.integers(min_value=0, max_value=9), label="shape")
        if shape == 9:
            return Operation(draw(negative, label="invalid document"), {})
        fields = st.one_of(one_field) if shape < 6 else any_fields
        document = with_hints(draw, schema, draw(fields, label="document"))
        return valid(document, draw(st.booleans(), label="as variables"))

    return operation()


STRATEGIES = {
    (target, kind): operations(target, kind)
    for target in Schema
    for kind in (graphql.OperationType.QUERY, graphql.OperationType.MUTATION)
}

# ------------------------------------------------------------------ the checks


def _response_fields(
    selections: Sequence[graphql.SelectionNode],
    fragments: dict[str, graphql.FragmentDefinitionNode],
) -> dict[str, list[graphql.FieldNode]]:
    """Field nodes by the response key they answer under (alias, else name)."""
    fields: dict[str, list[graphql.FieldNode]] = {}
    for selection in selections:
        if isinstance(selection, graphql.FieldNode):
            key = (selection.alias or selection.name).value
            fields.setdefault(key, []).append(selection)
            continue
        if isinstance(selection, graphql.InlineFragmentNode):
            nested = selection.selection_set.selections
        else:
            assert isinstance(selection, graphql.FragmentSpreadNode)
            nested = fragments[selection.name.value].selection_set.selections
        for key, found in _response_fields(nested, fragments).items():
            fields.setdefault(key, []).extend(found)
    return fields


def stock_figures(
    value: Any,
    selections: Sequence[graphql.SelectionNode],
    fragments: dict[str, graphql.FragmentDefinitionNode],
    path: str = "data",
) -> Iterator[str]:
    """Paths in an answer where a stock field holds something other than null."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from stock_figures(item, selections, fragments, f"{path}[{index}]")
        return
    if not isinstance(value, dict):
        return
    fields = _response_fields(selections, fragments)
    for key, child in value.items():
        found = fields.get(key)
        assert found, f"{path}.{key} answers no field of the document"
        if child is None:
            continue
        if any(field.name.value in STOCK_FIELDS for field in found):
            yield f"{path}.{key}"
            continue
        nested = [
            selection
            for field in found
            if field.selection_set is not None
            for selection in field.selection_set.selections
        ]
        yield from stock_figures(child, nested, fragments, f"{path}.{key}")


def leaked_figures(query: str, data: Any) -> list[str]:
    document = graphql.parse(query)
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, graphql.FragmentDefinitionNode)
    }
    (operation,) = [
        definition
        for definition in document.definitions
        if isinstance(definition, graphql.OperationDefinitionNode)
    ]
    return list(stock_figures(data, operation.selection_set.selections, fragments))


def root_fields(query: str) -> set[str]:
    try:
        document = graphql.parse(query)
    except graphql.GraphQLError:
        return set()
    return {
        selection.name.value
        for definition in document.definitions
        if isinstance(definition, graphql.OperationDefinitionNode)
        for selection in definition.selection_set.selections
        if isinstance(selection, graphql.FieldNode)
    }


def check_answer(
    operation: Operation, caller: Caller, response: httpx.Response, sees_stock: bool
) -> None:
    where = (
        f"as {caller.roles} (customer {caller.customer})\n{operation.query}\n"
        f"variables: {json.dumps(operation.variables)}\n"
        f"-> HTTP {response.status_code}: {response.text}"
    )
    assert response.status_code in (200, 429), where
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"the answer is not JSON: {where}") from None
    assert isinstance(body, dict) and ("data" in body or "errors" in body), where
    internal = [
        error
        for error in body.get("errors") or []
        if (error.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR"
    ]
    assert not internal, where
    if not sees_stock and body.get("data") is not None:
        leaks = leaked_figures(operation.query, body["data"])
        assert not leaks, f"stock figures at {leaks}: {where}"


# ------------------------------------------------------------------ the runs


async def seed(api: Api) -> None:
    """Two customers, items with and without Allow Backorder, orders and one backorder."""
    await api.create_customer("ACME", "Acme Print Co.")
    await api.create_customer("GLOBEX", "Globex Corporation")
    await api.create_item("BC-STD", on_hand=500, allow_backorder=True)
    await api.create_item("FLYER-A5", on_hand=40, allow_backorder=False, unit_price="0.35")
    await api.create_item("POSTER-A1", on_hand=0, allow_backorder=True, unit_price="4.90")
    await api.create_item("ENV-DL", on_hand=12, allow_backorder=False, unit_price="0.08")
    first = await api.place([("BC-STD", 600), ("ENV-DL", 2)])
    assert first["userErrors"] == [] and first["order"]["number"] == "1001", first
    picked = await api.pick("1001")
    assert picked["userErrors"] == [] and picked["order"]["canSplitRemaining"], picked
    split = await api.split("1001", status="PACKED", additionalShippingCharge="12.50")
    assert split["userErrors"] == [] and split["backorder"]["number"] == "1001-001", split
    placed = await api.place([("FLYER-A5", 10), ("ENV-DL", 3)], customer="GLOBEX", roles=("Sales",))
    assert placed["userErrors"] == [], placed
    # A customer's own order, placed with its token (no customerCode: its own is used).
    data = await api.gql(
        """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
             order { number } userErrors { code message } } }""",
        {
            "i": {
                "lines": [
                    {"itemCode": "POSTER-A1", "quantity": 5},
                    {"itemCode": "BC-STD", "quantity": 20},
                ]
            }
        },
        roles=("Customer",),
        customer="ACME",
        endpoint="/spa/graphql",
    )
    assert data["placeOrder"]["userErrors"] == [], data
    assert await find_drifts() == []


async def stock_roles(api: Api) -> frozenset[str]:
    """The roles the stock setting lists now, read as the Administrator."""
    data = await api.gql("{ settings { key value } }")
    (value,) = [row["value"] for row in data["settings"] if row["key"] == SETTING_KEY]
    return frozenset(part.strip() for part in value.split(",") if part.strip())


async def run_as_every_role(
    api: Api, target: Schema, operation: Operation, callers: Sequence[Caller]
) -> None:
    visible_to = await stock_roles(api)
    note(f"{target.value} {operation.query}\nvariables: {json.dumps(operation.variables)}")
    for caller in callers:
        response = await api.post(
            operation.query,
            operation.variables,
            roles=caller.roles,
            sub=caller.sub,
            customer=caller.customer,
            endpoint=target.value,
        )
        check_answer(operation, caller, response, sees_stock=bool(visible_to & set(caller.roles)))
        if "updateSetting" in root_fields(operation.query):
            visible_to = await stock_roles(api)
    drifts = await find_drifts()
    assert drifts == [], drifts


@pytest.fixture
async def seeded(api: Api) -> Api:
    await seed(api)
    return api


@pytest.mark.parametrize("target", list(Schema), ids=lambda target: target.name.lower())
@FUZZ_SETTINGS
@given(data=st.data(), callers=st.permutations(CALLERS))
async def test_any_query_as_any_role_answers_cleanly_and_hides_stock_from_outsiders(
    seeded: Api, target: Schema, data: st.DataObject, callers: list[Caller]
) -> None:
    operation = data.draw(STRATEGIES[target, graphql.OperationType.QUERY], label="query")
    await run_as_every_role(seeded, target, operation, callers)


@pytest.mark.parametrize("target", list(Schema), ids=lambda target: target.name.lower())
@FUZZ_SETTINGS
@given(data=st.data(), callers=st.permutations(CALLERS))
async def test_any_mutation_as_any_role_answers_cleanly_hides_stock_and_keeps_invariants(
    seeded: Api, target: Schema, data: st.DataObject, callers: list[Caller]
) -> None:
    operation = data.draw(STRATEGIES[target, graphql.OperationType.MUTATION], label="mutation")
    await run_as_every_role(seeded, target, operation, callers)
