"""The Starlette application: two GraphQL endpoints and a health probe."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tortoise.contrib.starlette import RegisterTortoise

from backorders.config import Settings, get_settings
from backorders.db import ping, tortoise_config
from backorders.http import BackordersGraphQL, GraphQLGate
from resolvers.idempotency import purge_expired
from schema.build import integration_schema, spa_schema

logger = logging.getLogger("backorders.app")


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


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    logging.getLogger("backorders").setLevel(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # RegisterTortoise keeps the ORM context visible to request tasks,
        # which run outside the lifespan task. Migrations are not run here:
        # `backorders serve`/`migrate` apply them once, before any worker starts.
        async with RegisterTortoise(app, config=tortoise_config(settings.database_url)):
            purger = None
            if settings.idempotency_purge_interval_seconds:
                purger = asyncio.create_task(
                    purge_idempotency_keys(
                        timedelta(hours=settings.idempotency_ttl_hours),
                        settings.idempotency_purge_interval_seconds,
                    )
                )
            try:
                yield
            finally:
                if purger is not None:
                    purger.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await purger

    integration = BackordersGraphQL(integration_schema(settings), settings)
    spa = BackordersGraphQL(spa_schema(settings), settings)
    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/graphql", GraphQLGate(integration, settings)),
            Route("/spa/graphql", GraphQLGate(spa, settings)),
        ],
        lifespan=lifespan,
    )
