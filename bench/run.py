"""Benchmark the backorders service over HTTP, on servers this script starts itself.

    python bench/run.py [--configs sqlite,pg1,pg2,pg4] [--scenarios ...] [--duration 5]

For each backend it seeds one database through the public API and checks
its invariants; each configuration (SQLite with one worker; PostgreSQL with
1, 2 and 4 workers) then gets a fresh copy of it, on which the floor
(bench/floor.py) and then the service (`backorders serve`) are measured with
wrk, scenario by scenario, for a fixed time after a warm-up; `backorders
check` runs again afterwards. Every answer is checked; any failed request or
invariant drift makes the script exit 1. A markdown table goes to stdout and
every figure to JSON (default bench/results/<UTC timestamp>.json).

This module is the orchestration; see bench/README.md for the rest.
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import shutil
import signal
import sys
import tempfile
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/run.py` puts bench/, not the project, on the path
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench import report as reporting  # noqa: E402
from bench.databases import CheckFailed, Databases, run_check  # noqa: E402
from bench.load import Driver, LoadError, require_wrk  # noqa: E402
from bench.measure import Target, measure  # noqa: E402
from bench.options import CONFIGS, Options, parse_args  # noqa: E402
from bench.scenarios import FLOOR, ORDER_DETAIL, READER, Scenario, body, token  # noqa: E402
from bench.scenarios import build as build_scenarios  # noqa: E402
from bench.seeding import SeedError, SeedResult, make_plan, seed  # noqa: E402
from bench.servers import Server, ServerError  # noqa: E402

SEED_CONCURRENCY = 16
ROTATION = 2000  # distinct bodies of a rotating scenario


class BenchError(Exception):
    """Something that makes the figures untrustworthy: stop and say what."""


FAILURES = (BenchError, SeedError, ServerError, LoadError, CheckFailed)


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Resources:
    """Everything to undo at the end, also after Ctrl-C or a failure."""

    workdir: Path
    run_name: str  # in every database name and idempotency key of the run
    databases: Databases
    servers: list[Server] = field(default_factory=list)
    driver: Driver | None = None

    def cleanup(self, keep_workdir: bool) -> list[str]:
        problems = []
        if self.driver is not None:
            self.driver.kill()
        for server in self.servers:
            try:
                server.stop()
            except Exception as error:  # noqa: BLE001 - keep cleaning up
                problems.append(f"stopping {server.kind} {server.label}: {error}")
        try:
            problems += asyncio.run(self.databases.drop_all())
        except Exception as error:  # noqa: BLE001
            problems.append(f"dropping databases: {error}")
        if not keep_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return problems


@dataclass(frozen=True)
class Run:
    """What every step of one run shares."""

    options: Options
    resources: Resources
    driver: Driver
    secret: str  # BACKORDERS_JWT_SECRET of every server; the tokens are signed with it


@dataclass(frozen=True)
class Copy:
    """One configuration's fresh copy of a backend's seeded database."""

    label: str
    workers: int
    url: str
    database: str | None  # the PostgreSQL database's name; None on SQLite


# ------------------------------------------------------------------ seeding


async def seed_backend(run: Run, backend: str) -> tuple[str, SeedResult, float]:
    """Seed a database through the API (one server, stopped after), analyze and check it."""
    options, resources = run.options, run.resources
    plan = make_plan(options.orders, options.pick_units, random.Random(options.seed))
    url = await resources.databases.empty(backend)
    workers = 2 if backend == "postgres" else 1
    server = Server("service", url, workers, run.secret, resources.workdir, f"seed-{backend}")
    resources.servers.append(server)
    began = time.perf_counter()
    server.start()
    try:
        await server.wait_ready()
        result = await seed(server.base_url, run.secret, plan, SEED_CONCURRENCY)
    finally:
        server.stop()
    await resources.databases.analyze(url)
    seconds = time.perf_counter() - began
    verdict = await asyncio.to_thread(run_check, url, resources.workdir, f"after seeding {backend}")
    log(
        f"seeded {backend} in {seconds:.0f} s: {result.seeded.counts['orders_and_backorders']} "
        f"orders and backorders, {len(plan.pool)} pick-pool orders; check: {verdict}"
    )
    return url, result, seconds


async def seed_all(run: Run) -> list[tuple[str, SeedResult, float]]:
    """Seed every backend at once: seeding waits on round trips and commits, so they overlap."""
    log(f"seeding {' and '.join(run.options.backends)} ({run.options.orders} orders) ...")
    tasks = [asyncio.create_task(seed_backend(run, b)) for b in run.options.backends]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:  # one failed or we were interrupted: stop the other too
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


# ------------------------------------------------------------------ measuring


async def verify_floor(server: Server, secret: str, reference: dict[str, Any]) -> None:
    """The floor must return exactly what the service returned for the same orders."""
    bearer = token(secret, *READER)
    headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        for number, expected in reference.items():
            response = await client.post(
                "/graphql", content=body(ORDER_DETAIL, {"n": number}), headers=headers
            )
            try:
                got = response.json()["data"]["salesOrder"]
            except (ValueError, KeyError, TypeError):
                raise BenchError(
                    f"the floor answered HTTP {response.status_code}: {response.text[:600]}"
                ) from None
            if got != expected:
                raise BenchError(
                    f"the floor's answer for order {number} differs from the service's:\n"
                    f"floor:   {json.dumps(got)[:600]}\nservice: {json.dumps(expected)[:600]}"
                )


async def measure_server(
    run: Run,
    copy: Copy,
    kind: str,
    scenarios: list[Scenario],
    reference: dict[str, Any],
) -> dict[str, dict[str, Any]]:
    """Start the floor or the service on the copy and measure the scenarios on it, in turn."""
    server = Server(
        "floor" if kind == FLOOR else "service",
        copy.url,
        copy.workers,
        run.secret,
        run.resources.workdir,
        copy.label,
    )
    run.resources.servers.append(server)
    figures: dict[str, dict[str, Any]] = {}
    server.start()
    try:
        serving = await server.wait_ready()
        if kind == FLOOR:
            await verify_floor(server, run.secret, reference)
        target = Target(server, serving, run.options.postgres_url, copy.database)
        for scenario in scenarios:
            key_prefix = f"{run.resources.run_name}-{copy.label}-{scenario.name}-"
            prepared = run.driver.prepare(scenario, copy.label, key_prefix)
            figures[scenario.name] = await measure(run.driver, prepared, target, run.options.window)
            log_figures(copy.label, scenario.name, figures[scenario.name])
    finally:
        server.stop()
    return figures


def log_figures(label: str, name: str, f: dict[str, Any]) -> None:
    workers = "/".join(f"{s:.1f}" for s in f["worker_cpu_seconds"])
    cpu = f["server_cpu_ms_per_request"]
    postgres = f.get("postgres_cpu_ms_per_request")
    log(
        f"{label:6} {name:15} {f['requests_per_second']:7.1f} req/s  "
        f"p50 {f['p50_ms']:6.1f}  p99 {f['p99_ms']:6.1f} ms  "
        f"cpu ms/req: server {cpu}"
        + (f", postgres {postgres}" if postgres is not None else "")
        + f"  workers s {workers} ({f['worker_utilization']:.0%} busy)  "
        f"wrk {f['client_cores']:.2f} core  iowait {f['iowait_share']:.0%}  "
        f"outside {f['outside_cpu_share']:.0%}  errors {f['errors'] + f['unmeasured_errors']}"
        + (" UNEVEN" if f["uneven_workers"] else "")
    )


async def measure_configuration(
    run: Run, label: str, seed_url: str, seeded: SeedResult, scenarios: dict[str, Scenario]
) -> dict[str, Any]:
    """A fresh copy of the seed; the floor, then the service's scenarios; the check; drop it."""
    backend, workers = CONFIGS[label]
    url, database = await run.resources.databases.copy(backend, seed_url, label)
    copy = Copy(label, workers, url, database)
    log(f"measuring {label} ({backend}, {workers} worker(s)) ...")
    result: dict[str, Any] = {
        "configuration": label,
        "backend": backend,
        "workers": workers,
        "scenarios": {},
    }
    reference = seeded.floor_reference
    result["scenarios"] |= await measure_server(run, copy, FLOOR, [scenarios[FLOOR]], reference)
    service = [scenarios[name] for name in run.options.scenarios]
    result["scenarios"] |= await measure_server(run, copy, "service", service, reference)
    result["check_after"] = run_check(url, run.resources.workdir, f"after measuring {label}")
    if database is not None:
        await run.resources.databases.drop(database)
    return result


async def run_all(options: Options, resources: Resources, report: dict[str, Any]) -> None:
    # SIGTERM stops the run as Ctrl-C does (asyncio.run cancels on SIGINT itself).
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    driver = Driver(
        resources.workdir,
        options.connections,
        options.threads,
        options.timeout,
        options.renew_every,
    )
    resources.driver = driver
    run = Run(options, resources, driver, "bench-" + secrets.token_urlsafe(32))
    if "postgres" in options.backends:
        report["machine"]["postgresql"] = await resources.databases.server_version()
    seeds = await seed_all(run)
    report["seed"] = {}
    for backend, (seed_url, seeded, seconds) in zip(options.backends, seeds, strict=True):
        report["seed"][backend] = {**seeded.seeded.counts, "seconds": round(seconds, 1)}
        scenarios = build_scenarios(
            options.scenarios, seeded.seeded, run.secret, options.seed + 1, ROTATION
        )
        for label in (c for c in options.configs if CONFIGS[c][0] == backend):
            # Appended when done: a configuration cut short is not reported as measured.
            configuration = await measure_configuration(run, label, seed_url, seeded, scenarios)
            report["configurations"].append(configuration)


# ------------------------------------------------------------------ main


def failed_requests(report: dict[str, Any]) -> int:
    return sum(
        f["errors"] + f["unmeasured_errors"]
        for c in report["configurations"]
        for f in c["scenarios"].values()
    )


def print_results(report: dict[str, Any], output: Path) -> None:
    """The tables and the summary on stdout, problems on stderr."""
    configurations = report["configurations"]
    if configurations:
        print()
        print(reporting.results_table(configurations))
        floor = reporting.floor_table(configurations)
        if floor:
            print()
            print(floor)
        print()
    for line in reporting.summary_lines(report):
        print(line)
    print(f"Figures written to {output}")
    for configuration in configurations:
        for name, figures in configuration["scenarios"].items():
            if figures.get("pool_exhausted_requests"):
                print(
                    f"bench: {configuration['configuration']} {name}: the pick pool ran dry "
                    f"({figures['pool_exhausted_requests']} requests found nothing left to pick); "
                    "raise --max-rate",
                    file=sys.stderr,
                )
    if report["total_errors"]:
        print(
            f"bench: {report['total_errors']} request(s) failed; see error_samples in the JSON",
            file=sys.stderr,
        )


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    try:
        require_wrk()
    except LoadError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    began = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="backorders-bench-"))
    run_name = f"bench_{uuid.uuid4().hex[:10]}"
    resources = Resources(workdir, run_name, Databases(options.postgres_url, workdir, run_name))
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "options": options.as_json(),
        "machine": reporting.machine_info(),
        "load_average_before": reporting.load_average(),
        "configurations": [],
    }
    status = 0
    try:
        asyncio.run(run_all(options, resources, report))
    except (KeyboardInterrupt, asyncio.CancelledError):
        report["failure"] = "interrupted"
        print("\nInterrupted: stopping servers and dropping databases.", file=sys.stderr)
        status = 130
    except FAILURES as error:
        report["failure"] = str(error)
        print(f"\nbench: {error}", file=sys.stderr)
        status = 1
    except Exception as error:  # noqa: BLE001 - a bug or an outage: clean up, report, exit 1
        report["failure"] = f"{type(error).__name__}: {error}"
        traceback.print_exc()
        status = 1
    finally:
        keep = options.keep_workdir or status == 1
        for problem in resources.cleanup(keep):
            print(f"bench: cleanup: {problem}", file=sys.stderr)
        if keep:
            print(f"Server logs and wrk scripts kept in {workdir}", file=sys.stderr)

    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["run_seconds"] = round(time.monotonic() - began, 1)
    report["load_average_after"] = reporting.load_average()
    report["total_errors"] = failed_requests(report)
    report["ok"] = status == 0 and report["total_errors"] == 0
    reporting.write_json(report, options.output)
    print_results(report, options.output)
    return status or (0 if report["ok"] else 1)


if __name__ == "__main__":
    sys.exit(main())
