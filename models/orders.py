from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from backorders.enums import ChargeKind, MovementReason, OrderStatus

if TYPE_CHECKING:
    # Only for annotations: Tortoise discovers models by scanning each models
    # module, so importing them here at runtime would list them twice.
    from backorders.models.catalog import Customer, SalesItem


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
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="orders", on_delete=fields.RESTRICT
    )
    customer_id: int  # set by Tortoise for the foreign key; declared for type checkers
    reference = fields.CharField(max_length=200, default="")
    backorder_of: fields.ForeignKeyNullableRelation[SalesOrder] = fields.ForeignKeyField(
        "models.SalesOrder", related_name="backorders", null=True, on_delete=fields.RESTRICT
    )
    backorder_of_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "sales_order"
        unique_together = (("root_number", "suffix"),)
        indexes = (("status", "id"), ("customer_id", "id"), ("backorder_of_id",))


class SalesOrderLine(Model):
    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[SalesOrder] = fields.ForeignKeyField(
        "models.SalesOrder", related_name="lines", on_delete=fields.CASCADE
    )
    order_id: int  # set by Tortoise for the foreign key; declared for type checkers
    item: fields.ForeignKeyRelation[SalesItem] = fields.ForeignKeyField(
        "models.SalesItem", related_name="order_lines", on_delete=fields.RESTRICT
    )
    item_id: int
    quoted = fields.IntField()
    picked = fields.IntField(default=0)
    # What the customer ordered on this line when the order was placed; 0 on
    # lines a split creates. A family's quoted quantities always add up to its
    # ordered quantities, per item (`backorders check`).
    ordered = fields.IntField(default=0, db_default=0)
    unit_price = fields.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        table = "sales_order_line"
        # An order's lines in order; an item's open claims (the in-stock queue).
        indexes = (("item_id", "order_id"), ("order_id", "id"))
        constraints = (
            CheckConstraint(check="quoted > 0", name="sales_order_line_quoted_positive"),
            CheckConstraint(
                check="picked >= 0 AND picked <= quoted", name="sales_order_line_picked_in_range"
            ),
        )


class OrderCharge(Model):
    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[SalesOrder] = fields.ForeignKeyField(
        "models.SalesOrder", related_name="charges", on_delete=fields.CASCADE
    )
    order_id: int  # set by Tortoise for the foreign key; declared for type checkers
    kind = fields.CharEnumField(ChargeKind, max_length=32)
    description = fields.CharField(max_length=200)
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "order_charge"
        indexes = (("order_id", "id"),)


class OrderStatusChange(Model):
    """One status change of an order: from, to, who, when and why."""

    id = fields.BigIntField(primary_key=True)
    order: fields.ForeignKeyRelation[SalesOrder] = fields.ForeignKeyField(
        "models.SalesOrder", related_name="history", on_delete=fields.CASCADE
    )
    order_id: int
    from_status = fields.CharEnumField(OrderStatus, max_length=16, null=True)
    to_status = fields.CharEnumField(OrderStatus, max_length=16)
    actor = fields.CharField(max_length=200)
    reason = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "order_status_change"
        indexes = (("order_id", "id"),)


class StockMovement(Model):
    """One change to an item's stock on hand, written in the same transaction.

    On hand is always the sum of an item's movements (`backorders check`).
    """

    id = fields.BigIntField(primary_key=True)
    item: fields.ForeignKeyRelation[SalesItem] = fields.ForeignKeyField(
        "models.SalesItem", related_name="movements", on_delete=fields.RESTRICT
    )
    item_id: int
    location = fields.CharField(max_length=64, default="MAIN")
    quantity = fields.IntField()
    reason = fields.CharEnumField(MovementReason, max_length=16)
    order: fields.ForeignKeyNullableRelation[SalesOrder] = fields.ForeignKeyField(
        "models.SalesOrder", related_name="movements", null=True, on_delete=fields.RESTRICT
    )
    order_id: int | None
    line: fields.ForeignKeyNullableRelation[SalesOrderLine] = fields.ForeignKeyField(
        "models.SalesOrderLine", related_name="movements", null=True, on_delete=fields.RESTRICT
    )
    line_id: int | None
    reference = fields.CharField(max_length=200, default="")
    actor = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stock_movement"
        indexes = (("item_id", "id"), ("line_id",))
