"""The command line of `python bench/run.py`, and the configurations it can measure."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.measure import Window
from bench.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test"
# label: (backend, workers)
CONFIGS = {
    "sqlite": ("sqlite", 1),
    "pg1": ("postgres", 1),
    "pg2": ("postgres", 2),
    "pg4": ("postgres", 4),
}
RENEW_EVERY = 50


@dataclass(frozen=True)
class Options:
    configs: list[str]
    scenarios: list[str]
    duration: float
    warmup: float
    connections: int
    threads: int
    renew_every: int
    timeout: float
    orders: int
    max_rate: int
    balance_retries: int
    postgres_url: str
    output: Path
    keep_workdir: bool
    seed: int

    @property
    def window(self) -> Window:
        return Window(self.warmup, self.duration, self.balance_retries)

    @property
    def pick_units(self) -> int:
        """One-unit picks the pool must hold for one configuration, re-measurements included."""
        return int(self.max_rate * (self.warmup + self.duration * (1 + self.balance_retries)))

    @property
    def backends(self) -> list[str]:
        """The backends the chosen configurations need, SQLite first."""
        return sorted({CONFIGS[c][0] for c in self.configs}, key=lambda b: b != "sqlite")

    def as_json(self) -> dict[str, Any]:
        """What the JSON records: everything but where it is written and the database URL."""
        return {
            "configs": self.configs,
            "scenarios": self.scenarios,
            "duration": self.duration,
            "warmup": self.warmup,
            "connections": self.connections,
            "threads": self.threads,
            "renew_every": self.renew_every,
            "timeout": self.timeout,
            "orders": self.orders,
            "max_rate": self.max_rate,
            "balance_retries": self.balance_retries,
            "seed": self.seed,
        }


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python bench/run.py",
        description="Benchmark the backorders service on servers this script starts itself "
        "(see bench/README.md).",
    )
    add = parser.add_argument
    add("--configs", default=",".join(CONFIGS), help=f"comma-separated, from {','.join(CONFIGS)}")
    add(
        "--scenarios",
        default=",".join(SCENARIOS),
        help="comma-separated, from " + ",".join(SCENARIOS),
    )
    add("--duration", type=float, default=5.0, help="measured seconds per scenario (default 5)")
    add("--warmup", type=float, default=2.0, help="uncounted seconds first (default 2; 0: none)")
    add("--connections", type=int, default=16, help="wrk's connections (default 16)")
    add("--threads", type=int, default=2, help="wrk's threads (default 2)")
    add(
        "--renew-every",
        type=int,
        default=RENEW_EVERY,
        help="a wrk thread's every Nth request closes its connection, so that connections "
        f"spread over the workers (default {RENEW_EVERY}; 0: only each connection's first)",
    )
    add("--timeout", type=float, default=30.0, help="seconds before wrk counts a timeout")
    add("--orders", type=int, default=2000, help="seeded orders besides the pick pool")
    add(
        "--max-rate",
        type=int,
        default=1000,
        help="the most pickOrder requests/s expected; sizes the pick pool (default 1000). "
        "A pool that runs dry fails the scenario: raise it then",
    )
    add(
        "--balance-retries",
        type=int,
        default=1,
        help="re-measure when workers still shared the load unevenly (default 1)",
    )
    add("--postgres-url", default=DEFAULT_POSTGRES_URL, help="where the bench may create databases")
    add("--output", type=Path, help="JSON file (default bench/results/<UTC timestamp>.json)")
    add("--keep-workdir", action="store_true", help="keep server logs and wrk scripts")
    add("--seed", type=int, default=20240501, help="random seed of the data and the requests")
    args = parser.parse_args(argv)

    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    for name in configs:
        if name not in CONFIGS:
            parser.error(f"unknown configuration {name!r}; choose from {', '.join(CONFIGS)}")
    for name in scenarios:
        if name not in SCENARIOS:
            parser.error(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")
    if not configs or args.duration < 1 or args.warmup < 0 or args.orders < 1000:
        # Fewer orders leave the key accounts short of a 20-order page.
        parser.error("need a configuration, --duration >= 1, --warmup >= 0, --orders >= 1000")
    if args.connections < args.threads or args.threads < 1 or args.max_rate < 1:
        parser.error("need --threads >= 1, --connections >= --threads, --max-rate >= 1")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Options(
        configs=[c for c in CONFIGS if c in configs],
        scenarios=[s for s in SCENARIOS if s in scenarios],
        duration=args.duration,
        warmup=args.warmup,
        connections=args.connections,
        threads=args.threads,
        renew_every=max(0, args.renew_every),
        timeout=args.timeout,
        orders=args.orders,
        max_rate=args.max_rate,
        balance_retries=max(0, args.balance_retries),
        postgres_url=args.postgres_url,
        output=args.output or ROOT / "bench" / "results" / f"{stamp}.json",
        keep_workdir=args.keep_workdir,
        seed=args.seed,
    )
