"""`serve --workers N` logs from every worker in the configured format, one line per request.

Logging used to be configured only in the CLI's parent process, so workers lost
the format and every INFO line, the request lines included.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from backorders.auth import issue_token
from tests.processes.support import POSTGRES_URL, SECRET, fresh_database, server_env
from tests.servers import serving

REQUESTS = 12


def test_every_worker_writes_one_json_line_per_request_with_its_caller_and_id(
    tmp_path: Path,
) -> None:
    assert POSTGRES_URL
    with fresh_database(POSTGRES_URL) as database_url:
        env = server_env(database_url) | {"BACKORDERS_LOG_FORMAT": "json"}
        log_path = tmp_path / "serve.log"
        token = issue_token(SECRET, "log-tester", ["Sales"])
        ids = [f"req-{uuid.uuid4().hex}" for _ in range(REQUESTS)]
        with serving(tmp_path, env, log_path, "--workers", "2") as (url, _):
            for request_id in ids:
                # A new connection each time, so that both workers get to answer.
                response = httpx.post(
                    f"{url}/graphql",
                    json={"query": "{ __typename }"},
                    headers={"Authorization": f"Bearer {token}", "X-Request-ID": request_id},
                )
                assert response.headers["x-request-id"] == request_id

    lines = log_path.read_text().splitlines()
    records: list[dict[str, Any]] = [json.loads(line) for line in lines]  # every line is JSON
    access = [r for r in records if r["name"] == "backorders.access"]
    graphql = [r for r in access if " /graphql " in r["message"]]
    assert sorted(r["correlation_id"] for r in graphql) == sorted(ids)
    for record in graphql:
        assert record["levelname"] == "INFO"
        assert record["message"].startswith("POST /graphql 200 ")
        assert "sub=log-tester" in record["message"]
        assert f"request_id={record['correlation_id']}" in record["message"]
    started = [r for r in records if "Started server process" in r["message"]]
    assert len({r["process"] for r in started}) == 2  # both workers logged, in JSON
