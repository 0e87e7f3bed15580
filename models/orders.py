from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from resolvers.rules import ChargeKind, OrderStatus


class SalesOrder(Model):
    """An order or one of its backorders.

    A family shares `root_number` (the original's sequence number); `suffix` is
    0 for the original and 1, 2, ... for its backorders. (root_number, suffix)
    is also the order's place in the first-come reservation queue.
    `last_backorder_suffix` is only used on the family's root row, which a
    split locks to take the next suffix.
    """

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=32, unique=True)
    root_number = fields.IntField()
    suffix = fields.IntField(default=0)
    last_backorder_suffix = fields.IntField(default=0)
    status = fields.CharEnumField(OrderStatus, max_length=16)
    customer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Customer", related_name="orders", on_delete=fields.RESTRICT
    )
    reference = fields.CharField(max_length=200, default="")
    backorder_of: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.SalesOrder", related_name="backorders", null=True, on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "sales_order"
        unique_together = (("root_number", "suffix"),)
        indexes = (("status", "id"), ("customer_id", "id"))


class SalesOrderLine(Model):
    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.SalesOrder", related_name="lines", on_delete=fields.CASCADE
    )
    item: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.SalesItem", related_name="order_lines", on_delete=fields.RESTRICT
    )
    quoted = fields.IntField()
    picked = fields.IntField(default=0)
    unit_price = fields.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        table = "sales_order_line"
        indexes = (("item_id", "order_id"),)
        constraints = (
            CheckConstraint(check="quoted > 0", name="sales_order_line_quoted_positive"),
            CheckConstraint(
                check="picked >= 0 AND picked <= quoted", name="sales_order_line_picked_in_range"
            ),
        )


class OrderCharge(Model):
    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.SalesOrder", related_name="charges", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(ChargeKind, max_length=32)
    description = fields.CharField(max_length=200)
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "order_charge"
