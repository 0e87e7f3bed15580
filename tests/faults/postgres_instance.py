"""A throwaway PostgreSQL server for fault tests: `initdb` into a temporary folder.

Fault tests stop and start the database under a running service, so they
never touch the machine's shared server: each run makes its own cluster on a
free loopback port (trust authentication, unix socket inside the folder) and
deletes it afterwards. PostgreSQL refuses to run as root, so as root its
programs run as the `postgres` system user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.servers import free_port

PROGRAMS = ("initdb", "pg_ctl", "postgres")
TIMEOUT_SECONDS = 30


def find_bindir() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres, or None when they are not installed."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, timeout=TIMEOUT_SECONDS
        )
        if result.returncode == 0 and result.stdout.strip():
            candidates.append(Path(result.stdout.strip()))
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += [Path(p) for p in sorted(versions, key=_version, reverse=True)]
    for bindir in candidates:
        if all(os.access(bindir / program, os.X_OK) for program in PROGRAMS):
            return bindir
    return None


def _version(bindir: str) -> tuple[int, ...]:
    name = Path(bindir).parent.name
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def why_unavailable() -> str | None:
    """Why a private PostgreSQL cannot be made here (None: it can)."""
    if find_bindir() is None:
        return "PostgreSQL server programs (initdb, pg_ctl, postgres) are not installed"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root without `runuser` to start PostgreSQL as another user"
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` system user to run PostgreSQL"
    return None


class PostgresInstance:
    """One cluster in a temporary folder; `close()` stops it and deletes the folder."""

    def __init__(self) -> None:
        bindir = find_bindir()
        assert bindir is not None, why_unavailable()
        self.bindir = bindir
        self.port = free_port()
        # Not under pytest's tmp_path: that folder is private to root.
        self.folder = Path(tempfile.mkdtemp(prefix="backorders-pg-"))
        self.data = self.folder / "data"
        self.sockets = self.folder / "sockets"
        self.log = self.folder / "postgres.log"
        self._as_user: list[str] = []
        try:
            self.sockets.mkdir()
            if os.geteuid() == 0:
                self._as_user = ["runuser", "-u", "postgres", "--"]
                account = pwd.getpwnam("postgres")
                for path in (self.folder, self.sockets):
                    os.chown(path, account.pw_uid, account.pw_gid)
            self._run(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            )
            with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
                conf.write(
                    f"\nport = {self.port}\n"
                    "listen_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{self.sockets}'\n"
                    "fsync = off\n"  # a test cluster: speed over crash safety
                    "max_connections = 40\n"
                )
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            str(TIMEOUT_SECONDS),
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` ends every session, `immediate` is a crash."""
        self._run(
            "pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", str(TIMEOUT_SECONDS), "stop"
        )

    def is_running(self) -> bool:
        status = self._command("pg_ctl", "-D", str(self.data), "status")
        return status.returncode == 0

    def close(self) -> None:
        try:
            if self.data.exists() and self.is_running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _command(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._as_user, str(self.bindir / program), *args],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS + 10,
        )

    def _run(self, program: str, *args: str) -> None:
        result = self._command(program, *args)
        if result.returncode != 0:
            server_log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}\n{server_log}"
            )
