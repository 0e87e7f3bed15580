"""Driving load with wrk: a native client, so the client is never what limits a measurement.

wrk keeps its connections open (HTTP/1.1 keep-alive) and sends the next
request on a connection as soon as the answer is in: a closed loop with
`connections` requests in flight. A few requests ask the server to close
their connection (`renew`), so that connections spread over a multi-worker
server's workers as they would behind a load balancer. wrk's Lua hooks
(bench/driver.lua) pick each request from the scenario's prepared list and
check every answer; this module writes that list and the scenario's
settings to files, runs wrk, and parses the one result line the script
prints from `done()`.

A run continues where the previous one of the same scenario stopped (the
measurement after its warm-up, a repeated measurement): the next offset into
the request list comes from how many requests each wrk thread generated.
That is what makes every idempotency key unique within a configuration, and
makes the pick pool run dry (an error) rather than pick a unit twice.
"""

from __future__ import annotations

import asyncio
import json
import resource
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.scenarios import KEY_PLACEHOLDER, Scenario

DRIVER = Path(__file__).resolve().parent / "driver.lua"
RESULT_MARKER = "BENCH-RESULT "


class LoadError(Exception):
    """wrk could not run, or printed no result."""


def require_wrk() -> str:
    """wrk's path, or LoadError saying how to install it."""
    path = shutil.which("wrk")
    if path is None:
        raise LoadError(
            "wrk is not installed (the bench drives load with it): "
            "`apt-get install wrk` (Debian/Ubuntu) or `brew install wrk`, then run again"
        )
    return path


def lua_string(text: str) -> str:
    """A Lua string literal (ASCII printable kept, everything else as decimal byte escapes)."""
    out = []
    for byte in text.encode():
        char = chr(byte)
        if char in '\\"':
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


@dataclass
class Prepared:
    """A scenario's files for wrk, and where the next run starts in its request list."""

    scenario: Scenario
    config_path: Path
    requests_path: Path
    offset: int = 0


@dataclass
class LoadResult:
    """What one wrk run measured; latencies from wrk's histogram, over the whole run."""

    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: int
    error_counts: dict[str, int]
    error_samples: list[str]
    exhausted: int  # requests sent after the (non-rotating) list ran dry
    client_cpu_seconds: float
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    def figures(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "requests_per_second": round(self.requests_per_second, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p90_ms": round(self.p90_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "mean_ms": round(self.mean_ms, 2),
            "max_ms": round(self.max_ms, 2),
            "errors": self.errors,
            "error_counts": self.error_counts,
            "error_samples": self.error_samples,
            "pool_exhausted_requests": self.exhausted,
            "client_cpu_seconds": round(self.client_cpu_seconds, 3),
            "client_cores": round(self.client_cpu_seconds / self.seconds, 3)
            if self.seconds
            else None,
        }


def parse_result(stdout: str, client_cpu: float) -> LoadResult:
    line = next((x for x in stdout.splitlines() if x.startswith(RESULT_MARKER)), None)
    if line is None:
        raise LoadError(f"wrk printed no result line:\n{stdout[-2000:]}")
    raw = json.loads(line[len(RESULT_MARKER) :])
    counts = {
        name: int(raw[name])
        for name in (
            "http_errors",
            "graphql_errors",
            "user_errors",
            "unexpected",
            "connect_errors",
            "read_errors",
            "write_errors",
            "timeouts",
        )
    }
    seconds = raw["duration_us"] / 1e6
    requests = int(raw["requests"])
    return LoadResult(
        requests=requests,
        seconds=seconds,
        requests_per_second=requests / seconds if seconds else 0.0,
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        mean_ms=raw["mean_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        errors=sum(counts.values()),
        error_counts={name: count for name, count in counts.items() if count},
        error_samples=list(raw["samples"]),
        exhausted=int(raw["exhausted"]),
        client_cpu_seconds=client_cpu,
        raw=raw,
    )


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Driver:
    """Runs wrk with fixed connections and threads; one at a time."""

    def __init__(
        self, workdir: Path, connections: int, threads: int, timeout: float, renew: int
    ) -> None:
        self.wrk = require_wrk()
        self.workdir = workdir
        self.connections = connections
        self.threads = threads
        self.timeout = timeout
        self.renew = renew  # a thread's every renew-th request closes its connection (0: never)
        self.process: asyncio.subprocess.Process | None = None

    def prepare(self, scenario: Scenario, label: str, key_prefix: str) -> Prepared:
        """Write the scenario's settings and request list for one configuration."""
        stem = self.workdir / f"{label}-{scenario.name}"
        lines = []
        for request in scenario.requests:
            head, _, tail = request.body.partition(KEY_PLACEHOLDER)
            if "\t" in request.body or "\n" in request.body:
                raise LoadError(f"{scenario.name}: a body holds a raw tab or newline")
            lines.append(f"{request.token}\t{head}\t{tail}\n")
        requests_path = stem.with_suffix(".tsv")
        requests_path.write_text("".join(lines))
        settings = [
            f"path = {lua_string(scenario.path)}",
            "tokens = {" + ", ".join(lua_string(t) for t in scenario.tokens) + "}",
            f"cycle = {'true' if scenario.cycle else 'false'}",
            "expect = {" + ", ".join(f"{{{lua_string(p)}, {n}}}" for p, n in scenario.expect) + "}",
            "forbid = {" + ", ".join(lua_string(p) for p in scenario.forbid) + "}",
        ]
        if scenario.keyed:
            settings.append(f"key_prefix = {lua_string(key_prefix)}")
        if scenario.exhausted_body is not None:
            settings.append(f"exhausted_body = {lua_string(scenario.exhausted_body)}")
        config_path = stem.with_suffix(".lua")
        config_path.write_text("return {\n  " + ",\n  ".join(settings) + ",\n}\n")
        return Prepared(scenario, config_path, requests_path)

    async def run(self, prepared: Prepared, base_url: str, seconds: float) -> LoadResult:
        """One wrk run of `seconds`; every answer checked; moves the scenario's offset on."""
        command = [
            self.wrk,
            f"--threads={self.threads}",
            f"--connections={self.connections}",
            f"--duration={max(1, round(seconds))}s",
            f"--timeout={self.timeout:g}s",
            f"--script={DRIVER}",
            base_url + prepared.scenario.path,
            "--",
            str(prepared.config_path),
            str(prepared.requests_path),
            str(prepared.offset),
            str(self.threads),
            str(self.renew),
            str(self.connections // self.threads),
        ]
        before = children_cpu_seconds()
        self.process = await asyncio.create_subprocess_exec(
            *command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C goes to the bench, which kills wrk
        )
        out, _ = await self.process.communicate()
        returncode = self.process.returncode
        self.process = None
        # wrk is the only child that ends in this window: its CPU time.
        client_cpu = children_cpu_seconds() - before
        stdout = out.decode(errors="replace")
        if returncode != 0:
            raise LoadError(f"wrk exited with {returncode}:\n{stdout[-2000:]}")
        result = parse_result(stdout, client_cpu)
        prepared.offset += int(result.raw["sent_max"]) * int(result.raw["threads"])
        return result

    def kill(self) -> None:
        """Stop a wrk run still going (Ctrl-C, a failure elsewhere)."""
        process = self.process
        if process is not None and process.returncode is None:
            process.kill()
