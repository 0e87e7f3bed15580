"""GET /healthz tells a load balancer whether this process can reach its database."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from backorders.app import create_app
from backorders.config import Settings


async def test_healthz_is_200_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_healthz_is_503_when_the_database_does_not_answer(settings: Settings) -> None:
    # Port 1 on loopback: nothing listens there, connections are refused at once.
    unreachable = settings.model_copy(
        update={"database_url": "postgres://postgres@127.0.0.1:1/backorders"}
    )
    app: Starlette = create_app(unreachable)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.get("/healthz")
    assert (response.status_code, response.json()) == (503, {"status": "unavailable"})
