"""Starting and stopping the measured servers, and reading the CPU time they spend.

The service runs as `python -m backorders serve --workers N` (what operators
run); the floor as `python -m bench.floor --workers N` (the same uvicorn
options). Each runs in its own session, so Ctrl-C reaches this script, which
stops them; a server is only measured once `/healthz` answers and every
worker has logged its startup.

CPU time is read from /proc/<pid>/stat (utime + stime, in clock ticks) for
every process of a server's tree (uvicorn's supervisor and its workers) and
for the PostgreSQL backends connected to the measured database. CPU time
counts only what those processes ran, not time they waited for a core, so it
moves far less than requests/s when something else uses the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import asyncpg

from tests.servers import COMMAND, asyncpg_url, clean_env, free_port, stop, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
READY_SECONDS = 120
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ServerError(Exception):
    """A server would not start, or not with the workers it was asked for."""


# ------------------------------------------------------------------ CPU time


def process_seconds(pid: int) -> float | None:
    """User + system CPU seconds of one process (all its threads); None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; utime and stime are fields 14
    # and 15, the 12th and 13th after the closing parenthesis.
    after_name = stat.rsplit(")", 1)[1].split()
    return (int(after_name[11]) + int(after_name[12])) / CLOCK_TICKS


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (uvicorn's workers, multiprocessing's helpers)."""
    found: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                with contextlib.suppress(OSError):
                    pending.extend(int(c) for c in (task / "children").read_text().split())
    return found


def tree_seconds(pid: int) -> dict[int, float]:
    """CPU seconds by pid over a process tree."""
    seconds = {}
    for member in process_tree(pid):
        value = process_seconds(member)
        if value is not None:
            seconds[member] = value
    return seconds


def machine_seconds() -> tuple[float, float]:
    """CPU seconds the whole machine has been busy, and idle waiting for I/O (/proc/stat).

    Busy counts every process on every core (and time the hypervisor stole);
    I/O wait is idle time with a disk request outstanding, such as commits
    waiting for their fsync.
    """
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    except (OSError, ValueError, IndexError):
        return float("nan"), float("nan")
    user, nice, system, _idle, iowait, irq, softirq, steal = values
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS, iowait / CLOCK_TICKS


async def postgres_backend_seconds(admin_url: str, database: str) -> dict[int, float]:
    """CPU seconds by pid of the PostgreSQL backends connected to `database`.

    PostgreSQL must run on this machine (its backends' /proc entries are read).
    """
    connection = await asyncpg.connect(asyncpg_url(admin_url))
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1", database
        )
    finally:
        await connection.close()
    seconds = {}
    for row in rows:
        value = process_seconds(int(row["pid"]))
        if value is not None:
            seconds[int(row["pid"])] = value
    return seconds


# ------------------------------------------------------------------ servers


@dataclass
class Server:
    """One measured server: the service or the floor, N workers, on one database."""

    kind: Literal["service", "floor"]
    database_url: str
    workers: int
    secret: str
    workdir: Path
    label: str

    def __post_init__(self) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.workdir / f"{self.kind}-{self.label}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        address = ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]
        if self.kind == "service":
            return [*COMMAND, "serve", *address]
        return [sys.executable, "-m", "bench.floor", *address]

    def start(self) -> None:
        env = clean_env(
            BACKORDERS_DATABASE_URL=self.database_url, BACKORDERS_JWT_SECRET=self.secret
        )
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                # The service in a scratch folder (it may write files there); the
                # floor where `bench` is importable, for uvicorn's spawned workers.
                cwd=self.workdir if self.kind == "service" else ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C goes to the bench, which stops the server
            )

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    async def wait_ready(self) -> list[int]:
        """Healthy, and every worker started; returns the pids that serve requests."""
        process = self.process
        assert process is not None
        try:
            await asyncio.to_thread(wait_healthy, self.base_url, process, self.log_tail)
        except AssertionError as error:
            raise ServerError(f"{self.kind} {self.label}: {error}") from None
        deadline = time.monotonic() + READY_SECONDS
        while True:
            log = self.log_path.read_text(errors="replace")
            if log.count("Application startup complete") >= self.workers:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise ServerError(f"{self.kind} {self.label}: workers never started\n{log}")
            await asyncio.sleep(0.2)
        serving = self.worker_pids()
        if len(serving) != self.workers:
            raise ServerError(
                f"{self.kind} {self.label}: expected {self.workers} worker process(es), "
                f"found {serving}"
            )
        return serving

    def worker_pids(self) -> list[int]:
        """uvicorn's spawned workers, or the server process itself when it runs alone."""
        assert self.process is not None
        if self.workers == 1:
            return [self.process.pid]
        found = []
        for pid in process_tree(self.process.pid):
            with contextlib.suppress(OSError):
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(pid)
        return sorted(found)

    def cpu_seconds(self) -> dict[int, float]:
        """CPU seconds by pid of every process of this server (supervisor and workers)."""
        return tree_seconds(self.process.pid) if self.process is not None else {}

    def stop(self) -> None:
        """Graceful stop (tests.servers.stop), then kill anything left in its process group."""
        process = self.process
        if process is None:
            return
        stop(process)
        # Workers orphaned by a supervisor that died first share its process group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        self.process = None
