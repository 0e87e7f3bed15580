"""HTTP in front of GraphQL: authentication, body limits and the per-request context."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.schema import BaseSchema

from backorders.auth import AuthError, principal_from_header
from backorders.config import Settings
from resolvers.access import ANONYMOUS
from schema.context import Context


class BackordersGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view; GET only serves GraphiQL, it never executes."""

    def __init__(self, schema: BaseSchema, settings: Settings) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=False)
        self.idempotency_ttl = timedelta(hours=settings.idempotency_ttl_hours)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        state = request.scope.get("state", {})
        return Context(
            principal=state.get("principal", ANONYMOUS),
            request_id=state.get("request_id") or uuid.uuid4().hex,
            idempotency_ttl=self.idempotency_ttl,
            request=request,
            response=response,
        )


class GraphQLGate:
    """Checks the bearer token and the body size before GraphQL sees a POST."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.secret = settings.signing_secret()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["request_id"] = request_id = uuid.uuid4().hex
        send = _with_request_id(send, request_id)
        if scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            state["principal"] = principal_from_header(
                headers.get("authorization"), self.secret, self.settings.jwt_leeway_seconds
            )
        except AuthError as error:
            await _error(401, "UNAUTHENTICATED", str(error), {"WWW-Authenticate": "Bearer"})(
                scope, receive, send
            )
            return
        limit = self.settings.max_body_bytes
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _error(413, "PAYLOAD_TOO_LARGE", "The request body is too large.")(
                scope, receive, send
            )
            return
        body = await _read_body(receive, limit)
        if body is None:
            await _error(413, "PAYLOAD_TOO_LARGE", "The request body is too large.")(
                scope, receive, send
            )
            return
        if headers.get("content-type", "").strip().lower().startswith("application/json"):
            try:
                parsed = json.loads(body or b"null")
            except ValueError:
                await _error(400, "BAD_REQUEST", "The request body is not valid JSON.")(
                    scope, receive, send
                )
                return
            # Strawberry assumes an object (or a batch list); anything else crashed it (500).
            if not isinstance(parsed, (dict, list)):
                await _error(400, "BAD_REQUEST", "The request body must be a JSON object.")(
                    scope, receive, send
                )
                return
        await self.app(scope, _replay(body), send)


def _with_request_id(send: Send, request_id: str) -> Send:
    """Echo the request id, the key to this request's log lines, in `X-Request-ID`."""

    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers.append((b"x-request-id", request_id.encode()))
            message = {**message, "headers": headers}
        await send(message)

    return sender


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=headers,
    )


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


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive
