"""The run's scratch databases: the seed, a fresh copy per configuration, the invariant check.

Seeding is the slow part, so it happens once per backend; each configuration
then starts from a copy of the same data (a file copy for SQLite,
`CREATE DATABASE ... TEMPLATE` on PostgreSQL), so configurations of one
backend are measured on identical data and never on what an earlier one
wrote. On PostgreSQL every database this run creates is named
`bench_<random>_<label>` and dropped at the end; nothing else is touched.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from tests.servers import COMMAND, admin, asyncpg_url, clean_env, with_database

CHECK_SECONDS = 600


class CheckFailed(Exception):
    """`backorders check` found invariant drift (or could not run)."""


class Databases:
    def __init__(self, admin_url: str, workdir: Path, run_name: str) -> None:
        self.admin_url = admin_url
        self.workdir = workdir
        self.run_name = run_name
        self.created: list[str] = []  # PostgreSQL databases to drop

    async def server_version(self) -> str:
        connection = await asyncpg.connect(asyncpg_url(self.admin_url))
        try:
            return str(await connection.fetchval("SHOW server_version"))
        finally:
            await connection.close()

    async def empty(self, backend: str) -> str:
        """A new, empty database for seeding; its URL."""
        if backend == "sqlite":
            folder = self.workdir / "seed"
            folder.mkdir()
            return f"sqlite://{folder / 'backorders.sqlite3'}"
        name = f"{self.run_name}_seed"
        await admin(self.admin_url, f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return with_database(self.admin_url, name)

    async def analyze(self, url: str) -> None:
        """Statistics for the planner, as autovacuum keeps them in production.

        Without them the copies start with none, PostgreSQL plans the stock
        queries for empty tables, and the figures change whenever autovacuum
        happens to get to a copy during a measurement.
        """
        if not url.startswith("sqlite"):
            await admin(url, "VACUUM ANALYZE")

    async def copy(self, backend: str, seed_url: str, label: str) -> tuple[str, str | None]:
        """A fresh copy of the seeded database: its URL and PostgreSQL name (None: SQLite)."""
        if backend == "sqlite":
            source = Path(seed_url.removeprefix("sqlite://"))
            folder = self.workdir / label
            folder.mkdir()
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{source}{suffix}").exists():
                    shutil.copyfile(f"{source}{suffix}", folder / f"backorders.sqlite3{suffix}")
            return f"sqlite://{folder / 'backorders.sqlite3'}", None
        name = f"{self.run_name}_{label}"
        template = urlsplit(seed_url).path.lstrip("/")
        await admin(self.admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.created.append(name)
        return with_database(self.admin_url, name), name

    async def drop(self, name: str) -> None:
        await admin(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    async def drop_all(self) -> list[str]:
        """Drop every database this run created; the problems met (cleanup goes on)."""
        problems = []
        for name in reversed(list(self.created)):
            try:
                await self.drop(name)
            except Exception as error:  # noqa: BLE001 - keep cleaning up
                problems.append(f"dropping database {name}: {error}")
        return problems


def run_check(database_url: str, workdir: Path, when: str) -> str:
    """`backorders check` on a database: its verdict, or CheckFailed naming the drift."""
    result = subprocess.run(
        [*COMMAND, "check"],
        cwd=workdir,
        env=clean_env(BACKORDERS_DATABASE_URL=database_url),
        capture_output=True,
        text=True,
        timeout=CHECK_SECONDS,
    )
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        raise CheckFailed(f"`backorders check` failed {when}:\n{output}")
    return output.splitlines()[-1] if output else ""
