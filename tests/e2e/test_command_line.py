"""The README's path as a new user walks it: real `backorders` processes, a real uvicorn server.

Runs in a temporary working directory on the embedded SQLite default, with no
configuration at all: the token secret is made on first use and shared by
`backorders token` and `backorders serve` through the working directory.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import COMMAND, clean_env, serving


def backorders(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        [*COMMAND, *args], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def server(workdir: Path) -> Iterator[str]:
    with serving(workdir, clean_env(), workdir / "serve.log") as (url, _):
        yield url


def test_demo_can_be_loaded_twice_without_changing_anything(workdir: Path) -> None:
    first = backorders(workdir, "demo")
    assert "item BC-STD (500 on hand)" in first
    assert backorders(workdir, "demo") == "Demo data already present."
    assert (workdir / "backorders.sqlite3").exists()


def test_migrate_is_idempotent(workdir: Path) -> None:
    backorders(workdir, "migrate")
    assert "up to date" in backorders(workdir, "migrate")


def test_a_served_process_walks_the_seed_story_with_a_token_from_the_cli(
    workdir: Path, server: str
) -> None:
    backorders(workdir, "demo")
    token = backorders(workdir, "token", "--sub", "alice", "--roles", "Sales,Warehouse")
    headers = {"Authorization": f"Bearer {token}"}

    def gql(query: str) -> dict[str, object]:
        response = httpx.post(f"{server}/graphql", json={"query": query}, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        data: dict[str, object] = body["data"]
        return data

    placed = gql(
        'mutation { placeOrder(input: {customerCode: "ACME", lines: '
        '[{itemCode: "BC-STD", quantity: 600}]}) { order { number lines { inStockQuantity } } } }'
    )
    assert placed == {
        "placeOrder": {"order": {"number": "1001", "lines": [{"inStockQuantity": 500}]}}
    }
    gql('mutation { pickOrder(input: {orderNumber: "1001"}) { order { status } } }')
    split = gql(
        'mutation { splitRemaining(input: {orderNumber: "1001", additionalShippingCharge: "12.50"})'
        " { backorder { number status total } } }"
    )
    assert split == {
        "splitRemaining": {
            "backorder": {"number": "1001-001", "status": "ON_BACKORDER", "total": "1512.50"}
        }
    }

    unauthenticated = httpx.post(f"{server}/graphql", json={"query": "{ settings { key } }"})
    assert unauthenticated.status_code == 401
    graphiql = httpx.get(f"{server}/spa/graphql", headers={"Accept": "text/html"})
    assert graphiql.status_code == 200 and "graphiql" in graphiql.text.lower()


def test_a_customer_token_requires_a_customer_code(workdir: Path) -> None:
    result = subprocess.run(
        [*COMMAND, "token", "--sub", "shop", "--roles", "Customer"],
        cwd=workdir,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "--customer" in result.stderr


def test_check_without_a_database_says_so_and_creates_none(workdir: Path) -> None:
    result = subprocess.run(
        [*COMMAND, "check"], cwd=workdir, env=clean_env(), capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "no database file" in result.stderr
    assert not (workdir / "backorders.sqlite3").exists()


def test_serve_refuses_several_workers_on_sqlite(workdir: Path) -> None:
    result = subprocess.run(
        [*COMMAND, "serve", "--workers", "2"],
        cwd=workdir,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "needs PostgreSQL" in result.stderr


def test_serve_refuses_a_secret_shorter_than_32_bytes(workdir: Path) -> None:
    env = clean_env(BACKORDERS_JWT_SECRET="too-short-a-secret")
    result = subprocess.run(
        [*COMMAND, "serve"], cwd=workdir, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "BACKORDERS_JWT_SECRET has 18 bytes" in result.stderr
    assert "at least 32" in result.stderr
    assert not (workdir / "backorders.sqlite3").exists()  # refused before migrating
