"""GraphQL errors we mean, and masking for the ones we don't."""

from __future__ import annotations

import logging

from graphql import GraphQLError
from strawberry.utils.str_converters import to_camel_case

from backorders.resolvers.persistence.outages import database_failure
from backorders.resolvers.rules.errors import DomainError

logger = logging.getLogger("backorders.errors")

UNAVAILABLE_MESSAGE = (
    "Service unavailable: the database cannot be reached. Retry shortly; a mutation "
    "retried with the same idempotencyKey takes effect at most once."
)
CONFLICT_MESSAGE = (
    "The operation waited too long for data another request was changing, and changed "
    "nothing. Retry it; with the same idempotencyKey it takes effect at most once."
)
TIMEOUT_MESSAGE = (
    "The operation took too long and was stopped; a mutation stopped this way changes "
    "nothing. Retry it; with the same idempotencyKey it takes effect at most once."
)

# Errors with these codes are meant for the caller and stay readable.
READABLE_CODES = frozenset({"FORBIDDEN", "INVALID_INPUT", "NOT_FOUND", "RATE_LIMITED"})


def wire_path(field: str | None) -> str | None:
    """A rules path (`lines.0.item_code`) as the API names it (`lines.0.itemCode`)."""
    if field is None:
        return None
    return ".".join(to_camel_case(part) for part in field.split("."))


def argument_error(error: DomainError) -> GraphQLError:
    """A query argument the rules refuse (queries have no userErrors)."""
    return GraphQLError(
        error.message, extensions={"code": error.code.value, "field": wire_path(error.field)}
    )


def forbidden(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "FORBIDDEN"})


def is_unexpected(error: GraphQLError) -> bool:
    """Mask errors raised while executing fields, except those we raise on purpose.

    Errors without a path are parse, validation and variable-coercion errors:
    they describe the request, not the server, and stay readable.
    """
    if error.path is None:
        return False
    code = (error.extensions or {}).get("code")
    return code not in READABLE_CODES


def mask_errors(errors: list[GraphQLError], request_id: str) -> list[GraphQLError]:
    """Readable errors as they are; every other one replaced, and logged once with the id."""
    return [_masked(error, request_id) if is_unexpected(error) else error for error in errors]


def failure_before_execution(error: Exception, request_id: str) -> GraphQLError:
    """An exception raised outside any field (a read the endpoint makes first), masked."""
    return _masked(GraphQLError(str(error), original_error=error), request_id)


def _masked(error: GraphQLError, request_id: str) -> GraphQLError:
    original = error.original_error or error
    kind = database_failure(original)
    if kind == "unavailable":
        logger.warning("Database unavailable in request %s: %r", request_id, original)
        return _replace(error, UNAVAILABLE_MESSAGE, "SERVICE_UNAVAILABLE", request_id)
    if kind == "conflict":
        logger.warning("Lock wait given up in request %s: %r", request_id, original)
        return _replace(error, CONFLICT_MESSAGE, "CONFLICT_RETRY", request_id)
    if kind == "timeout":
        logger.warning("Statement timed out in request %s: %r", request_id, original)
        return _replace(error, TIMEOUT_MESSAGE, "TIMEOUT", request_id)
    logger.error(
        "Unexpected error in request %s at %s",
        request_id,
        error.path,
        exc_info=(type(original), original, original.__traceback__),
    )
    return _replace(error, "Unexpected error.", "INTERNAL_SERVER_ERROR", request_id)


def _replace(error: GraphQLError, message: str, code: str, request_id: str) -> GraphQLError:
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": code, "requestId": request_id},
    )
