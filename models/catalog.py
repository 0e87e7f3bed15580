from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model


class Customer(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "customer"


class SalesItem(Model):
    """A stocked sales item.

    `reserved` is the sum of the outstanding quantities of open orders, kept as
    a counter so that "never over-reserve" is one conditional UPDATE
    (`... WHERE on_hand - reserved >= q`) instead of a read-then-write race.
    `backorders check` (and the tests) verify it against the order lines.
    """

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    unit_price = fields.DecimalField(max_digits=14, decimal_places=2)
    allow_backorder = fields.BooleanField(default=False)
    on_hand = fields.IntField(default=0)
    reserved = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "sales_item"
        # Backstops: no code path may drive stock on hand or reservations negative.
        constraints = (
            CheckConstraint(check="on_hand >= 0", name="sales_item_on_hand_not_negative"),
            CheckConstraint(check="reserved >= 0", name="sales_item_reserved_not_negative"),
        )
