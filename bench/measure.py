"""One scenario on one running server: warm up, then measure a fixed time and read the CPU spent.

Server CPU ms/request is the CPU time (user + system) that the server's
processes (uvicorn's supervisor and its workers) spent between just before
and just after the measured wrk run, divided by the requests wrk completed
in it. The PostgreSQL backends connected to the measured database are
counted the same way, separately. CPU time is what a request costs whoever
runs it; unlike requests/s it does not drop when another program takes a
core away for a while, which is why it is the steadier figure on a shared
machine (contention still inflates it a little: caches, switches).

With several workers the kernel hands each of wrk's connections to whichever
worker accepts it first, and it stays there until renewed (driver.lua). When
one worker still ends up with less than half its fair share of the CPU, the
measurement is taken again (new wrk, new connections), up to
--balance-retries times; if it stays uneven it is kept and marked. Errors of
every run count, repeated or not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from bench.load import Driver, LoadResult, Prepared
from bench.servers import Server, machine_seconds, postgres_backend_seconds


@dataclass(frozen=True)
class Window:
    """How long to warm up and to measure, and how often to re-measure uneven workers."""

    warmup: float
    duration: float
    balance_retries: int


@dataclass(frozen=True)
class Target:
    """The running server a scenario is measured on."""

    server: Server
    serving: list[int]  # worker pids
    admin_url: str
    database: str | None  # the PostgreSQL database, None on SQLite


def spent(before: dict[int, float], after: dict[int, float]) -> dict[int, float]:
    """CPU seconds by pid between two readings; a process new in `after` counts from zero."""
    return {pid: seconds - before.get(pid, 0.0) for pid, seconds in after.items()}


def uneven(worker_seconds: list[float]) -> bool:
    """Some worker did less than half its fair share of the work."""
    total = sum(worker_seconds)
    if len(worker_seconds) < 2 or total <= 0:
        return False
    return min(worker_seconds) < 0.5 * total / len(worker_seconds)


async def postgres_seconds(target: Target) -> dict[int, float]:
    if target.database is None:
        return {}
    return await postgres_backend_seconds(target.admin_url, target.database)


async def measured_run(
    driver: Driver, prepared: Prepared, target: Target, seconds: float
) -> dict[str, Any]:
    """One wrk run with the CPU readings around it."""
    server_before = target.server.cpu_seconds()
    postgres_before = await postgres_seconds(target)
    busy_before, iowait_before = machine_seconds()
    result: LoadResult = await driver.run(prepared, target.server.base_url, seconds)
    busy_after, iowait_after = machine_seconds()
    busy, iowait = busy_after - busy_before, iowait_after - iowait_before
    server = spent(server_before, target.server.cpu_seconds())
    postgres = spent(postgres_before, await postgres_seconds(target))

    figures = result.figures()
    server_seconds = sum(server.values())
    workers = [round(server.get(pid, 0.0), 3) for pid in target.serving]
    figures["server_cpu_seconds"] = round(server_seconds, 3)
    figures["worker_cpu_seconds"] = workers
    # Near 1: the workers were busy all the time (CPU-bound). Well below: they
    # waited (locks, commits, the database), and requests/s says little of CPU.
    figures["worker_utilization"] = (
        round(sum(workers) / (len(workers) * result.seconds), 3) if result.seconds else None
    )
    figures["uneven_workers"] = uneven(workers)
    per_request = 1000 / result.requests if result.requests else None
    figures["server_cpu_ms_per_request"] = (
        round(server_seconds * per_request, 3) if per_request else None
    )
    ours = server_seconds + result.client_cpu_seconds
    if target.database is not None:
        postgres_total = sum(postgres.values())
        ours += postgres_total
        figures["postgres_cpu_seconds"] = round(postgres_total, 3)
        figures["postgres_cpu_ms_per_request"] = (
            round(postgres_total * per_request, 3) if per_request else None
        )
    # CPU of anything else on the machine (other programs, PostgreSQL's
    # background processes) as a share of every core over the window.
    capacity = (os.cpu_count() or 1) * result.seconds
    figures["machine_busy_cpu_seconds"] = round(busy, 3)
    figures["outside_cpu_share"] = round(max(0.0, busy - ours) / capacity, 3) if capacity else 0.0
    figures["iowait_share"] = round(iowait / capacity, 3) if capacity else 0.0
    return figures


async def measure(
    driver: Driver, prepared: Prepared, target: Target, window: Window
) -> dict[str, Any]:
    """Warm-up (checked, not counted), then the measured run, re-measured if workers were uneven."""
    unmeasured_errors = 0
    samples: list[str] = []
    if window.warmup > 0:
        warm = await driver.run(prepared, target.server.base_url, window.warmup)
        unmeasured_errors += warm.errors
        samples += [f"warm-up: {s}" for s in warm.error_samples]
    discarded: list[dict[str, Any]] = []
    while True:
        figures = await measured_run(driver, prepared, target, window.duration)
        if not figures["uneven_workers"] or len(discarded) >= window.balance_retries:
            break
        discarded.append(
            {k: figures[k] for k in ("requests_per_second", "worker_cpu_seconds", "errors")}
        )
        unmeasured_errors += figures["errors"]
        samples += [f"re-measured run: {s}" for s in figures["error_samples"]]
    figures["unmeasured_errors"] = unmeasured_errors
    figures["unmeasured_error_samples"] = samples[:5]
    figures["discarded_uneven_runs"] = discarded
    return figures
