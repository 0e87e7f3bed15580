"""Log lines stay small whatever a caller sent: messages and tracebacks are cut to a bound."""

from __future__ import annotations

import json
import logging
import sys

from backorders.logs import (
    JSON_FIELDS,
    MAX_TRACEBACK_CHARS,
    TEXT_FORMAT,
    BoundedFormatter,
    BoundedJsonFormatter,
)

HUGE = "X" * 1_000_000


def record_with_a_huge_exception() -> logging.LogRecord:
    try:
        raise ValueError(f"invalid input syntax: {HUGE!r}") from KeyError(HUGE)
    except ValueError:
        info = sys.exc_info()
    return logging.LogRecord(
        "backorders.errors", logging.ERROR, __file__, 1, "item %s refused", (HUGE,), info
    )


def test_a_megabyte_of_input_in_message_and_traceback_makes_a_small_text_line() -> None:
    formatter = BoundedFormatter(TEXT_FORMAT)
    record = record_with_a_huge_exception()
    record.correlation_id = "abc"

    text = formatter.format(record)

    assert len(text) < 2 * MAX_TRACEBACK_CHARS
    assert "more characters]" in text
    assert "ValueError: invalid input syntax" in text  # still says what happened


def test_the_json_format_is_one_small_object_per_record() -> None:
    formatter = BoundedJsonFormatter(JSON_FIELDS)
    record = record_with_a_huge_exception()
    record.correlation_id = "abc"

    line = formatter.format(record)

    assert "\n" not in line
    assert len(line) < 2 * MAX_TRACEBACK_CHARS
    parsed = json.loads(line)
    assert parsed["name"] == "backorders.errors"
    assert parsed["correlation_id"] == "abc"
    assert parsed["message"].startswith("item XXX")
    assert "ValueError" in parsed["exc_info"]


def test_line_breaks_in_a_message_cannot_forge_another_line() -> None:
    formatter = BoundedFormatter(TEXT_FORMAT)
    record = logging.LogRecord(
        "backorders.access", logging.INFO, __file__, 1, "GET %s", ("/x\n2026 INFO forged",), None
    )
    record.correlation_id = "-"
    assert "\n" not in formatter.format(record)
    assert "/x\\n2026 INFO forged" in formatter.format(record)
