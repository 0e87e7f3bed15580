"""Logging for every process: one format, request ids, one line per request, bounded lines.

`uvicorn.run(log_config=...)` applies this config in the parent and again in
each worker it starts, so `serve --workers N` logs the same way from every
process. A log line never carries a caller's input of unbounded length: every
message and traceback is cut to a bound, whatever a resolver or a library put
into it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from asgi_correlation_id import correlation_id
from pythonjsonlogger.json import JsonFormatter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_MESSAGE_CHARS = 2000
MAX_TRACEBACK_LINE_CHARS = 500
MAX_TRACEBACK_CHARS = 20_000
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(process)d %(correlation_id)s %(message)s"

access_logger = logging.getLogger("backorders.access")


def one_line(text: str) -> str:
    """A caller's text in a log line: no line breaks or other control characters to forge with."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def bounded(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit} more characters]"


def bounded_traceback(text: str) -> str:
    """Each line cut, then the whole: a 1 MB value in an exception message stays small."""
    lines = [bounded(line, MAX_TRACEBACK_LINE_CHARS) for line in text.splitlines()]
    return bounded("\n".join(lines), MAX_TRACEBACK_CHARS)


class BoundedFormatter(logging.Formatter):
    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        record.message = bounded(one_line(record.message))
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:  # noqa: N802
        return bounded_traceback(super().formatException(ei))


class BoundedJsonFormatter(JsonFormatter):
    """One JSON object per line; the same bounds as the text format."""

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        record.message = bounded(record.message)
        super().add_fields(log_data, record, message_dict)

    def formatException(self, ei: Any) -> str:  # noqa: N802
        return bounded_traceback(logging.Formatter.formatException(self, ei))


def log_config(level: str, fmt: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the service and uvicorn."""
    formatter: dict[str, Any] = (
        {"()": BoundedJsonFormatter, "fmt": JSON_FIELDS}
        if fmt == "json"
        else {"()": BoundedFormatter, "fmt": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "asgi_correlation_id.CorrelationIdFilter", "default_value": "-"}
        },
        "formatters": {"default": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
        "loggers": {
            "backorders": {"level": level},
            "uvicorn": {"level": "INFO"},
            # Replaced by backorders.access: one line per request, with its caller.
            "uvicorn.access": {"level": "WARNING"},
            "tortoise": {"level": "WARNING"},  # its start/stop chatter
            "asgi_correlation_id": {"level": "ERROR"},
        },
    }


class AccessLog:
    """One line per HTTP request: method, path, status, duration, caller's sub, request id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app fails before responding
        state = scope.setdefault("state", {})

        async def sender(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sender)
        finally:
            # The path as sent (percent-encoded), not decoded: a %0a stays three characters.
            raw_path = scope.get("raw_path") or scope["path"].encode()
            access_logger.info(
                "%s %s %d %.1fms sub=%s request_id=%s",
                scope["method"],
                one_line(bytes(raw_path).decode("latin-1")),
                status,
                (time.perf_counter() - started) * 1000,
                one_line(state.get("sub", "-")),
                correlation_id.get() or "-",
            )
