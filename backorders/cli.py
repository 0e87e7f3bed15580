"""`backorders`: serve, migrate, load demo data, mint tokens for trying the API."""

from __future__ import annotations

import argparse
import asyncio
import logging
import logging.config
import sys
from datetime import timedelta

from tortoise.exceptions import OperationalError

from backorders.auth import issue_token
from backorders.config import get_settings
from backorders.logs import log_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="backorders", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="apply migrations and serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (PostgreSQL only when > 1)"
    )

    commands.add_parser("migrate", help="create or upgrade the database schema")
    sdl = commands.add_parser("schema", help="print a GraphQL schema's SDL")
    sdl.add_argument(
        "--spa",
        action="store_true",
        help="the SPA-facing schema (frontend_contract/schema.graphql)",
    )
    commands.add_parser("demo", help="load demo customers and items (safe to repeat)")
    commands.add_parser(
        "check", help="verify the stock and order invariants; exit 1 naming each drift"
    )

    token = commands.add_parser("token", help="print a bearer token for trying the API")
    token.add_argument("--sub", required=True, help="who the token speaks for")
    token.add_argument("--roles", default="", help='comma-separated, e.g. "Sales,Warehouse"')
    token.add_argument("--customer", help="customer code (required with the Customer role)")
    token.add_argument("--hours", type=float, default=12.0, help="validity in hours")

    args = parser.parse_args(argv)
    settings = get_settings()
    logging_config = log_config(settings.log_level, settings.log_format)
    logging.config.dictConfig(logging_config)

    if args.command == "token":
        roles = [r.strip() for r in args.roles.split(",") if r.strip()]
        if "Customer" in roles and not args.customer:
            parser.error("--customer is required with the Customer role")
        print(
            issue_token(
                settings.signing_secret(),
                args.sub,
                roles,
                args.customer,
                timedelta(hours=args.hours),
            )
        )
        return 0

    if args.command == "schema":
        from backorders.schema.build import integration_schema, spa_schema

        build = spa_schema if args.spa else integration_schema
        print(build().as_str())
        return 0

    from backorders import db

    if args.command == "migrate":
        asyncio.run(db.migrate(settings.database_url))
        print(f"Database is up to date: {settings.database_url}")
        return 0

    if args.command == "check":
        problem = db.missing_sqlite_file(settings.database_url)
        if problem:
            print(f"backorders: cannot check: {problem}", file=sys.stderr)
            return 2
        try:
            drifts = asyncio.run(db.check(settings.database_url))
        except OperationalError as error:
            print(
                f"backorders: cannot check: {error} (is the database migrated? "
                "run `backorders migrate`)",
                file=sys.stderr,
            )
            return 2
        for drift in drifts:
            print(drift)
        print(f"{len(drifts)} invariant drift(s)" if drifts else "All invariants hold.")
        return 1 if drifts else 0

    if args.command == "demo":
        from backorders.demo import load_demo

        asyncio.run(db.migrate(settings.database_url))
        created = asyncio.run(load_demo(settings.database_url))
        print("Created: " + ", ".join(created) if created else "Demo data already present.")
        return 0

    if args.command == "serve":
        import uvicorn

        if args.workers < 1:
            parser.error("--workers must be at least 1")
        if args.workers > 1 and db.is_sqlite(settings.database_url):
            print(
                "backorders: --workers > 1 needs PostgreSQL. SQLite allows one writer, so "
                "several processes on one SQLite file would queue on its lock and fail with "
                "'database is locked'. Set BACKORDERS_DATABASE_URL=postgres://... or use "
                "--workers 1.",
                file=sys.stderr,
            )
            return 2
        # Before anything else: the secret file is made here if needed, so
        # every worker reads the same one.
        problem = settings.weak_secret_problem()
        if problem is not None:
            print(f"backorders: refusing to serve: {problem}", file=sys.stderr)
            return 2
        asyncio.run(db.migrate(settings.database_url))
        # Each worker builds its app from the same environment (pydantic-settings)
        # and applies the same logging config (uvicorn does, in every process).
        uvicorn.run(
            "backorders.app:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_config=logging_config,
            access_log=False,  # backorders.access logs each request, with its caller
        )
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
