from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Setting(Model):
    """A back-end setting. A key with no row has its default value."""

    key = fields.CharField(max_length=100, primary_key=True)
    value = fields.CharField(max_length=1000)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "setting"


class Counter(Model):
    """A gapless sequence (order numbers), advanced with a row-locking UPDATE."""

    name = fields.CharField(max_length=64, primary_key=True)
    value = fields.BigIntField()

    class Meta:
        table = "counter"


class IdempotencyRecord(Model):
    """A successful mutation's result, remembered under the caller's key.

    The row is inserted at the start of the mutation's own transaction, so a
    concurrent retry blocks on the unique index until the first attempt
    commits (it then replays) or rolls back (it then acts itself).
    """

    id = fields.BigIntField(primary_key=True)
    # Whose key it is: the whole principal (subject, roles, customer) as
    # `Principal.key`, so two tokens sharing a `sub` never share a key.
    principal = fields.CharField(max_length=64, default="")
    sub = fields.CharField(max_length=200)
    operation = fields.CharField(max_length=64)
    key = fields.CharField(max_length=200)
    request_hash = fields.CharField(max_length=64)
    owner = fields.CharField(max_length=36)
    result: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "idempotency_record"
        unique_together = (("principal", "operation", "key"),)
        indexes = (("created_at",),)
