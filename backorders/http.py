"""The GraphQL endpoints over HTTP: who is asking, what it may cost, and JSON in every answer.

A POST passes, in order: one valid bearer token (401) for a customer that
exists (401); the request rate limit (429); a body of bounded size (413) that
arrives in bounded time (408); `application/json` (415) holding one GraphQL
request object (400); a document within the query limits and valid for the
schema (200 with errors); the mutation rate limit (429); execution within the
operation timeout (200 with a TIMEOUT error). Every answer that is not 200 is
a JSON GraphQL response whose error carries an `extensions.code`.
A GET serves GraphiQL and never executes anything.
"""

from __future__ import annotations

import asyncio
import json
import uuid
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import orjson
from asgi_correlation_id import correlation_id
from graphql import ExecutionResult, GraphQLError, OperationType
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.http.ides import get_graphql_ide_html

from backorders.auth import AuthError, VerifiedTokens
from backorders.config import Settings
from backorders.rate_limits import Budget, RateLimits, Refused
from backorders.resolvers.persistence.outages import database_failure
from backorders.resolvers.rules.access import Principal
from backorders.schema.context import Context
from backorders.schema.errors import failure_before_execution
from backorders.schema.execution import Executor, PreparedDocument

CustomerExists = Callable[[str], Awaitable[bool]]


class HttpError(Exception):
    """An answer other than 200, decided before GraphQL execution."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


class GraphQLEndpoint:
    def __init__(
        self,
        executor: Executor,
        settings: Settings,
        rate_limits: RateLimits,
        customer_exists: CustomerExists,
        *,
        public_introspection: bool,
    ) -> None:
        self.executor = executor
        self.settings = settings
        self.rate_limits = rate_limits
        self.customer_exists = customer_exists
        # The SPA schema's contract is published; the integration schema's is not for customers.
        self.public_introspection = public_introspection
        self.tokens = VerifiedTokens(settings.signing_secret(), settings.jwt_leeway_seconds)
        self.idempotency_ttl = timedelta(hours=settings.idempotency_ttl_hours)
        self.graphiql = get_graphql_ide_html(graphql_ide="graphiql")
        # Locks of principals with a mutation under way; gone once none waits.
        self._principal_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # no websocket transport: the connection is refused
        request_id = correlation_id.get() or uuid.uuid4().hex
        try:
            response = await self._answer(scope, receive, request_id)
        except HttpError as error:
            response = error_response(error.status, error.code, error.message, error.headers)
        except Exception as error:
            # A read before execution (the token's customer, the stock setting)
            # met a database failure: the same retryable error a resolver's gets.
            if database_failure(error) is None:
                raise
            masked = failure_before_execution(error, request_id)
            response = graphql_response(ExecutionResult(None, [masked]))
        await response(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, request_id: str) -> Response:
        method = scope["method"]
        if method in ("GET", "HEAD"):
            if "query" in parse_qs(scope.get("query_string", b"").decode("latin-1")):
                raise HttpError(
                    405, "METHOD_NOT_ALLOWED", "Operations must be POSTed.", {"Allow": "POST"}
                )
            return HTMLResponse(self.graphiql)
        if method != "POST":
            raise HttpError(
                405, "METHOD_NOT_ALLOWED", "Operations must be POSTed.", {"Allow": "GET, POST"}
            )
        headers = _headers(scope)
        principal = await self._authenticate(headers.get("authorization", []))
        scope.setdefault("state", {})["sub"] = principal.sub
        key = principal.key
        await self._limit(Budget.REQUESTS, key)
        body = await self._read_body(headers, receive)
        query, variables, operation_name = parse_request(headers, body)
        if (problem := long_list(variables)) is not None:
            error = GraphQLError(problem, extensions={"code": "INVALID_INPUT"})
            return graphql_response(ExecutionResult(None, [error]))

        prepared = self.executor.prepare(query)
        if prepared.errors:
            return graphql_response(ExecutionResult(None, prepared.errors))
        if prepared.introspects and principal.is_customer_only and not self.public_introspection:
            error = GraphQLError(
                "Introspection of this schema is not available to customers; "
                "the SPA schema's contract is published in frontend_contract/.",
                extensions={"code": "FORBIDDEN"},
            )
            return graphql_response(ExecutionResult(None, [error]))
        context = Context(
            principal=principal,
            request_id=request_id,
            idempotency_ttl=self.idempotency_ttl,
            max_line_quantity=self.settings.max_line_quantity,
        )
        if prepared.operation_type(operation_name) is not OperationType.MUTATION:
            return await self._execute(prepared, variables, operation_name, context)
        # Every mutation of the document counts: 30 aliased placeOrders are 30.
        await self._limit(Budget.MUTATIONS, key, max(1, prepared.root_fields(operation_name)))
        if not (
            self.rate_limits.enabled(Budget.STOCK_REFUSALS) and not await context.can_view_stock()
        ):
            return await self._execute(prepared, variables, operation_name, context)
        # The stock-refusal budget of a caller outside the stock setting: checked
        # before, counted after, one mutation request of that principal at a time
        # in this process (so parallel requests cannot all pass one check).
        # Redis is awaited only here, never under the operation timeout: its
        # client does not let a timeout's cancellation through.
        async with self._one_at_a_time(key):
            await self._check(Budget.STOCK_REFUSALS, key)
            context.counts_stock_refusals = True
            response = await self._execute(prepared, variables, operation_name, context)
            if context.stock_refusals:
                await self.rate_limits.hit(Budget.STOCK_REFUSALS, key, context.stock_refusals)
            return response

    async def _execute(
        self,
        prepared: PreparedDocument,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: Context,
    ) -> Response:
        timeout = self.settings.operation_timeout_seconds
        try:
            async with asyncio.timeout(timeout):
                result = await self.executor.execute(
                    prepared, variables, operation_name, context, context.request_id
                )
        except TimeoutError:
            error = GraphQLError(
                f"The operation did not finish within {timeout:g} seconds and was stopped. "
                "A mutation already under way finishes, or not, as it would have: retry it "
                "with the same idempotencyKey to learn its outcome; it takes effect at most "
                "once.",
                extensions={"code": "TIMEOUT", "requestId": context.request_id},
            )
            return graphql_response(ExecutionResult(None, [error]))
        return graphql_response(result)

    @asynccontextmanager
    async def _one_at_a_time(self, key: str) -> AsyncIterator[None]:
        lock = self._principal_locks.get(key)
        if lock is None:
            lock = self._principal_locks[key] = asyncio.Lock()
        try:
            async with asyncio.timeout(self.settings.operation_timeout_seconds):
                await lock.acquire()
        except TimeoutError:
            raise HttpError(
                429,
                "RATE_LIMITED",
                "Another mutation of yours is still running; retry after it.",
                {"Retry-After": "1"},
            ) from None
        try:
            yield
        finally:
            lock.release()

    async def _authenticate(self, values: list[str]) -> Principal:
        try:
            if len(values) > 1:
                raise AuthError("Send one Authorization header.")
            principal = self.tokens.principal(values[0] if values else None)
            if principal.customer_code is not None and not await self.customer_exists(
                principal.customer_code
            ):
                raise AuthError("The token's customer does not exist.")
        except AuthError as error:
            raise HttpError(
                401, "UNAUTHENTICATED", str(error), {"WWW-Authenticate": "Bearer"}
            ) from None
        return principal

    async def _limit(self, budget: Budget, key: str, cost: int = 1) -> None:
        if self.rate_limits.enabled(budget):
            refused = await self.rate_limits.hit(budget, key, cost)
            if refused is not None:
                raise rate_limited(refused)

    async def _check(self, budget: Budget, key: str) -> None:
        refused = await self.rate_limits.check(budget, key)
        if refused is not None:
            raise rate_limited(refused)

    async def _read_body(self, headers: dict[str, list[str]], receive: Receive) -> bytes:
        limit = self.settings.max_body_bytes
        declared = headers.get("content-length", [""])[0]
        if declared.isdigit() and int(declared) > limit:
            raise HttpError(413, "PAYLOAD_TOO_LARGE", "The request body is too large.")
        try:
            async with asyncio.timeout(self.settings.body_timeout_seconds):
                body = await _read_body(receive, limit)
        except TimeoutError:
            raise HttpError(
                408, "REQUEST_TIMEOUT", "The request body did not arrive in time."
            ) from None
        if body is None:
            raise HttpError(413, "PAYLOAD_TOO_LARGE", "The request body is too large.")
        return body


def rate_limited(refused: Refused) -> HttpError:
    return HttpError(
        429,
        "RATE_LIMITED",
        f"Too many requests ({refused.budget.value}); retry after {refused.retry_after} seconds.",
        {"Retry-After": str(refused.retry_after)},
    )


MAX_LIST_ITEMS = 200  # the most lines an order may have; no input list needs more


def long_list(value: Any) -> str | None:
    """Why the variables are refused before any work: a list longer than any input takes."""
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, list):
            if len(current) > MAX_LIST_ITEMS:
                return f"A list in the variables has more than {MAX_LIST_ITEMS} items."
            pending.extend(current)
        elif isinstance(current, dict):
            pending.extend(current.values())
    return None


def parse_request(
    headers: dict[str, list[str]], body: bytes
) -> tuple[str, dict[str, Any] | None, str | None]:
    """The query, variables and operation name of a JSON GraphQL request, or 415/400."""
    media_type = headers.get("content-type", [""])[0].split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise HttpError(
            415, "UNSUPPORTED_MEDIA_TYPE", "Send the request as Content-Type: application/json."
        )
    try:
        request = json.loads(body)
    except (ValueError, RecursionError):
        raise HttpError(400, "BAD_REQUEST", "The request body is not valid JSON.") from None
    if isinstance(request, list):
        raise HttpError(400, "BAD_REQUEST", "Batching is not supported: send one operation.")
    if not isinstance(request, dict):
        raise HttpError(400, "BAD_REQUEST", "The request body must be a JSON object.")
    query, variables = request.get("query"), request.get("variables")
    operation_name = request.get("operationName")
    if not isinstance(query, str) or not query.strip():
        raise HttpError(400, "BAD_REQUEST", "The request has no query.")
    if variables is not None and not isinstance(variables, dict):
        raise HttpError(400, "BAD_REQUEST", "`variables` must be an object.")
    if operation_name is not None and not isinstance(operation_name, str):
        raise HttpError(400, "BAD_REQUEST", "`operationName` must be a string.")
    return query, variables, operation_name


def graphql_response(
    result: ExecutionResult, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    return json_response(body, status, headers)


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    return json_response(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, status, headers
    )


def json_response(
    body: dict[str, Any], status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    try:
        content = orjson.dumps(body)
    except TypeError:  # a lone surrogate echoed from the request: escape it
        content = json.dumps(body, separators=(",", ":")).encode("ascii")
    return Response(content, status, headers, media_type="application/json")


def _headers(scope: Scope) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in scope["headers"]:
        headers.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
    return headers


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
