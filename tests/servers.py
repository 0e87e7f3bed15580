"""For tests that run real `backorders` processes or make PostgreSQL databases of their own.

One copy of: the environment a process starts with, finding a free loopback
port, starting `backorders serve` and waiting for /healthz, stopping it, and
creating, naming and dropping databases.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

COMMAND = [sys.executable, "-m", "backorders"]
STARTUP_SECONDS = 60
STOP_SECONDS = 20


def clean_env(**settings: str) -> dict[str, str]:
    """This environment without any BACKORDERS_* setting (defaults only), plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKORDERS_")}
    return env | settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(
    url: str,
    process: subprocess.Popen[Any],
    log: Callable[[], str],
    interval: float = 0.2,
) -> None:
    """Poll /healthz until 200; fail with the server's log if it exits or never gets there."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        assert process.poll() is None, f"the server exited while starting\n{log()}"
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"the server never became healthy\n{log()}"
        time.sleep(interval)


def stop(process: subprocess.Popen[Any]) -> None:
    """Terminate (graceful), then kill after a timeout; a no-op once it has exited."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def serving(
    cwd: Path, env: dict[str, str], log_path: Path, *args: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`backorders serve` on a free port, healthy; stopped on exit (also on failure)."""
    port = free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*COMMAND, "serve", "--port", str(port), *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, process, log_path.read_text)
            yield url, process
        finally:
            stop(process)


# ------------------------------------------------------------------ databases


def asyncpg_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def with_database(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def admin(url: str, *statements: str) -> None:
    """Run statements on their own connection (CREATE/DROP DATABASE cannot run in a transaction)."""
    import asyncpg

    connection = await asyncpg.connect(asyncpg_url(url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()
