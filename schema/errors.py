"""GraphQL errors we mean, and masking for the ones we don't."""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from backorders.outages import is_database_unavailable
from resolvers.errors import DomainError

logger = logging.getLogger("backorders.errors")

UNAVAILABLE_MESSAGE = (
    "Service unavailable: the database cannot be reached. Retry shortly; a mutation "
    "retried with the same idempotencyKey takes effect at most once."
)

# Errors with these codes are meant for the caller and stay readable.
READABLE_CODES = frozenset({"FORBIDDEN", "INVALID_INPUT", "NOT_FOUND"})


def argument_error(error: DomainError) -> GraphQLError:
    """A query argument the rules refuse (queries have no userErrors)."""
    return GraphQLError(error.message, extensions={"code": error.code.value, "field": error.field})


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


class MaskUnexpectedErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message="Unexpected error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context: Any = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        original = error.original_error or error
        if is_database_unavailable(original):
            logger.warning("Database unavailable in request %s: %r", request_id, original)
            return GraphQLError(
                message=UNAVAILABLE_MESSAGE,
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions={"code": "SERVICE_UNAVAILABLE", "requestId": request_id},
            )
        logger.error(
            "Unexpected error in request %s at %s",
            request_id,
            error.path,
            exc_info=(type(original), original, original.__traceback__),
        )
        return GraphQLError(
            message=self.error_message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )
