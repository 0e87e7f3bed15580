"""What a run reports: the machine it ran on, the markdown tables, the JSON file.

The tables are written to be pasted into README.md as they are; the JSON
holds every figure (and the error samples) for later comparison.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sqlite3
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from bench.scenarios import FLOOR, SCENARIOS, TITLES

ROOT = Path(__file__).resolve().parent.parent
CONFIG_TITLES = {
    "sqlite": "SQLite, 1 worker",
    "pg1": "PostgreSQL, 1 worker",
    "pg2": "PostgreSQL, 2 workers",
    "pg4": "PostgreSQL, 4 workers",
}
PACKAGES = (
    "strawberry-graphql",
    "starlette",
    "uvicorn",
    "tortoise-orm",
    "asyncpg",
    "aiosqlite",
)


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        info["wrk"] = subprocess.run(
            ["wrk", "--version"], capture_output=True, text=True, timeout=10
        ).stdout.splitlines()[0]
    info["git_commit"] = git_commit()
    packages = {}
    for name in PACKAGES:
        with contextlib.suppress(PackageNotFoundError):
            packages[name] = version(name)
    info["packages"] = packages
    return info


def git_commit() -> str | None:
    """HEAD, with `-dirty` when tracked files differ from it (others may be editing)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if dirty else "") if commit else None


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def results_table(configurations: list[dict[str, Any]]) -> str:
    """One row per scenario and configuration, the floor first."""
    rows = [
        "| scenario | configuration | requests/s | p50 ms | p99 ms | server CPU ms/request "
        "| PostgreSQL CPU ms/request | % of floor requests/s | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scenario in (FLOOR, *SCENARIOS):
        first = True
        for configuration in configurations:
            figures = configuration["scenarios"].get(scenario)
            if figures is None:
                continue
            floor = configuration["scenarios"].get(FLOOR)
            share = (
                f"{figures['requests_per_second'] / floor['requests_per_second']:.0%}"
                if floor and floor["requests_per_second"]
                else "–"
            )
            mark = " ⚠" if figures.get("uneven_workers") else ""
            rows.append(
                f"| {TITLES[scenario] if first else ''} "
                f"| {CONFIG_TITLES[configuration['configuration']]}{mark} "
                f"| {figures['requests_per_second']:.0f} "
                f"| {figures['p50_ms']:.1f} | {figures['p99_ms']:.1f} "
                f"| {_ms(figures['server_cpu_ms_per_request'])} "
                f"| {_ms(figures.get('postgres_cpu_ms_per_request'))} "
                f"| {share} | {figures['errors'] + figures['unmeasured_errors']} |"
            )
            first = False
    return "\n".join(rows)


def floor_table(configurations: list[dict[str, Any]]) -> str:
    """The order detail next to the floor: what GraphQL, the ORM and the layers add."""
    rows = [
        "| configuration | floor requests/s | order detail requests/s | floor CPU ms/request "
        "| order detail CPU ms/request | CPU ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for configuration in configurations:
        floor = configuration["scenarios"].get(FLOOR)
        detail = configuration["scenarios"].get("order_detail")
        if floor is None or detail is None:
            continue
        ratio = (
            f"{detail['server_cpu_ms_per_request'] / floor['server_cpu_ms_per_request']:.1f}×"
            if floor["server_cpu_ms_per_request"]
            else "–"
        )
        rows.append(
            f"| {CONFIG_TITLES[configuration['configuration']]} "
            f"| {floor['requests_per_second']:.0f} | {detail['requests_per_second']:.0f} "
            f"| {_ms(floor['server_cpu_ms_per_request'])} "
            f"| {_ms(detail['server_cpu_ms_per_request'])} | {ratio} |"
        )
    return "\n".join(rows) if len(rows) > 2 else ""


def summary_lines(report: dict[str, Any]) -> list[str]:
    """Under the tables: how disturbed the run was, the client's share, the machine."""
    lines = []
    measured = [f for c in report["configurations"] for f in c["scenarios"].values()]
    if measured:
        outside = [f["outside_cpu_share"] for f in measured]
        client = max(measured, key=lambda f: f["client_cores"] or 0)
        lines.append(
            "CPU used outside the benchmark while measuring: "
            f"mean {sum(outside) / len(outside):.0%}, max {max(outside):.0%} of the machine "
            "(0% is an undisturbed run)."
        )
        lines.append(
            f"Client (wrk): at most {client['client_cores']:.2f} of a core "
            f"(at {client['requests_per_second']:.0f} requests/s); "
            f"{report['options']['connections']} connections, "
            f"{report['options']['threads']} threads, "
            f"{report['options']['duration']} s measured after {report['options']['warmup']} s "
            "of warm-up per scenario."
        )
        if any(f.get("uneven_workers") for f in measured):
            lines.append(
                "⚠: the workers did not share the load (wrk's kept-open connections landed "
                "unevenly even after re-measuring); see worker_cpu_seconds in the JSON."
            )
    m = report["machine"]
    lines.append(
        f"Machine: {m.get('cpu_model', '?')}, {m['cpu_count']} cores, "
        f"{m.get('memory_gib', '?')} GiB; Python {m['python']}, "
        f"PostgreSQL {m.get('postgresql', '–')}, SQLite {m['sqlite']}; {m.get('wrk', 'wrk ?')}; "
        f"commit {m.get('git_commit', '?')}."
    )
    lines.append(
        f"Load average before {report['load_average_before']}, "
        f"after {report.get('load_average_after')}; run time {report.get('run_seconds', 0):.0f} s."
    )
    return lines


def write_json(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
