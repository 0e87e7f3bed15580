"""The Starlette application: two GraphQL endpoints and a health probe."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from asgi_correlation_id import CorrelationIdMiddleware, correlation_id
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tortoise.contrib.starlette import RegisterTortoise

from backorders.config import Settings, get_settings
from backorders.db import PoolSettings, ping, tortoise_config
from backorders.http import GraphQLEndpoint, error_response, json_response
from backorders.logs import AccessLog
from backorders.rate_limits import RateLimits
from backorders.resolvers.persistence.idempotency import purge_expired
from backorders.resolvers.reads.queries import customer_exists
from backorders.schema.build import integration_schema, spa_schema
from backorders.schema.execution import Executor
from backorders.schema.limits import QueryLimits
from backorders.schema.mutations import finish_under_way

logger = logging.getLogger("backorders.app")
GC_THRESHOLDS = (20_000, 20, 50)
# Accepted from a caller's X-Request-ID; anything else is replaced by our own id.
REQUEST_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-")


def valid_request_id(value: str) -> bool:
    return 8 <= len(value) <= 128 and set(value) <= REQUEST_ID_CHARS


async def healthz(request: Request) -> JSONResponse:
    if await ping():
        return JSONResponse({"status": "ok"})
    return JSONResponse({"status": "unavailable"}, status_code=503)


async def purge_idempotency_keys(ttl: timedelta, interval_seconds: int) -> None:
    """Keep the idempotency table to its retention window (every process may run it)."""
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            dropped = await purge_expired(ttl)
        except Exception:  # noqa: BLE001 - a failed purge must not stop the server
            logger.exception("Purging expired idempotency keys failed")
        else:
            if dropped:
                logger.info("Purged %d expired idempotency keys", dropped)


class KnownCustomers:
    """Whether a token's customer exists; found codes are remembered (never deleted)."""

    MAX_REMEMBERED = 100_000

    def __init__(self) -> None:
        self.known: set[str] = set()

    async def __call__(self, code: str) -> bool:
        if code in self.known:
            return True
        if not await customer_exists(code):
            return False
        if len(self.known) >= self.MAX_REMEMBERED:
            self.known.clear()
        self.known.add(code)
        return True


HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (unknown path, wrong method) as JSON, like every other."""
    assert isinstance(exc, HTTPException)
    code = HTTP_CODES.get(exc.status_code, "BAD_REQUEST")
    return error_response(exc.status_code, code, exc.detail, dict(exc.headers or {}))


async def server_error(request: Request, exc: Exception) -> Response:
    request_id = correlation_id.get() or "-"
    logger.error("Unhandled error in request %s", request_id, exc_info=exc)
    return json_response(
        {
            "errors": [
                {
                    "message": "Unexpected error.",
                    "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
                }
            ]
        },
        500,
    )


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    logging.getLogger("backorders").setLevel(settings.log_level)
    problem = settings.weak_secret_problem()
    if problem is not None:
        raise RuntimeError(f"Refusing to serve: {problem}")
    pool = PoolSettings(
        size=settings.db_pool_size,
        lock_timeout_ms=settings.db_lock_timeout_ms,
        statement_timeout_ms=settings.db_statement_timeout_ms,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # RegisterTortoise keeps the ORM context visible to request tasks,
        # which run outside the lifespan task. Migrations are not run here:
        # `backorders serve`/`migrate` apply them once, before any worker starts.
        async with RegisterTortoise(app, config=tortoise_config(settings.database_url, pool)):
            purger = None
            if settings.idempotency_purge_interval_seconds:
                purger = asyncio.create_task(
                    purge_idempotency_keys(
                        timedelta(hours=settings.idempotency_ttl_hours),
                        settings.idempotency_purge_interval_seconds,
                    )
                )
            # Everything made at startup (modules, schemas, the ORM's metadata)
            # lives as long as the process: out of the collector's sight, and
            # a first generation sized for a request that allocates thousands
            # of short-lived objects, so collections run far less often.
            gc.collect()
            gc.freeze()
            gc.set_threshold(*GC_THRESHOLDS)
            try:
                yield
            finally:
                await finish_under_way(settings.operation_timeout_seconds)
                await rate_limits.close()
                if purger is not None:
                    purger.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await purger

    limits = QueryLimits(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_query_aliases,
        max_fields=settings.max_query_fields,
    )
    rate_limits = RateLimits(settings)
    customers = KnownCustomers()

    def endpoint(executor: Executor, public_introspection: bool) -> GraphQLEndpoint:
        return GraphQLEndpoint(
            executor,
            settings,
            rate_limits,
            customers,
            public_introspection=public_introspection,
        )

    integration = Executor(
        integration_schema(), limits, settings.max_query_tokens, hide_suggestions=True
    )
    spa = Executor(spa_schema(), limits, settings.max_query_tokens)
    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/graphql", endpoint(integration, public_introspection=False)),
            Route("/spa/graphql", endpoint(spa, public_introspection=True)),
        ],
        middleware=[
            Middleware(
                CorrelationIdMiddleware,
                header_name="X-Request-ID",
                validator=valid_request_id,
            ),
            Middleware(AccessLog),
        ],
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )
