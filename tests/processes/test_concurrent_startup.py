"""Several hosts starting at once on a new database: migrations apply exactly once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.processes.support import POSTGRES_URL, fresh_database, server_env

MIGRATORS = 4


def test_migrations_started_by_several_processes_at_once_apply_once(tmp_path: Path) -> None:
    assert POSTGRES_URL
    with fresh_database(POSTGRES_URL) as database_url:
        env = server_env(database_url)
        migrators = [
            subprocess.Popen(
                [sys.executable, "-m", "backorders", "migrate"],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(MIGRATORS)
        ]
        outcomes = [(m.wait(timeout=120), m.stderr.read() if m.stderr else "") for m in migrators]
        for migrator in migrators:
            if migrator.stderr:
                migrator.stderr.close()
        assert [code for code, _ in outcomes] == [0] * MIGRATORS, outcomes
        check = subprocess.run(
            [sys.executable, "-m", "backorders", "check"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert check.returncode == 0, check.stdout + check.stderr
