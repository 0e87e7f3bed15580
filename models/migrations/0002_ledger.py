from tortoise import migrations
from tortoise.migrations import operations as ops
from enum import StrEnum
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class OrderStatus(StrEnum):
    """Frozen here: a later rename in the live code must not change this migration."""

    ON_HOLD = "ON_HOLD"
    CONFIRMED = "CONFIRMED"
    PAID = "PAID"
    ON_BACKORDER = "ON_BACKORDER"
    PICKED = "PICKED"
    PACKED = "PACKED"
    DISPATCHED = "DISPATCHED"
    INVOICED = "INVOICED"
    CANCELLED = "CANCELLED"


class MovementReason(StrEnum):
    RECEIPT = "RECEIPT"
    PICK = "PICK"
    PICK_RETURN = "PICK_RETURN"
    ADJUSTMENT = "ADJUSTMENT"


class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OrderStatusChange',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.SalesOrder', source_field='order_id', db_constraint=True, to_field='id', related_name='history', on_delete=OnDelete.CASCADE)),
                ('from_status', fields.CharEnumField(null=True, description='ON_HOLD: ON_HOLD\nCONFIRMED: CONFIRMED\nPAID: PAID\nON_BACKORDER: ON_BACKORDER\nPICKED: PICKED\nPACKED: PACKED\nDISPATCHED: DISPATCHED\nINVOICED: INVOICED\nCANCELLED: CANCELLED', enum_type=OrderStatus, max_length=16)),
                ('to_status', fields.CharEnumField(description='ON_HOLD: ON_HOLD\nCONFIRMED: CONFIRMED\nPAID: PAID\nON_BACKORDER: ON_BACKORDER\nPICKED: PICKED\nPACKED: PACKED\nDISPATCHED: DISPATCHED\nINVOICED: INVOICED\nCANCELLED: CANCELLED', enum_type=OrderStatus, max_length=16)),
                ('actor', fields.CharField(max_length=200)),
                ('reason', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'order_status_change', 'app': 'models', 'indexes': [Index(fields=['order_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One status change of an order: from, to, who, when and why.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StockMovement',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('item', fields.ForeignKeyField('models.SalesItem', source_field='item_id', db_constraint=True, to_field='id', related_name='movements', on_delete=OnDelete.RESTRICT)),
                ('location', fields.CharField(default='MAIN', max_length=64)),
                ('quantity', fields.IntField()),
                ('reason', fields.CharEnumField(description='RECEIPT: RECEIPT\nPICK: PICK\nPICK_RETURN: PICK_RETURN\nADJUSTMENT: ADJUSTMENT', enum_type=MovementReason, max_length=16)),
                ('order', fields.ForeignKeyField('models.SalesOrder', source_field='order_id', null=True, db_constraint=True, to_field='id', related_name='movements', on_delete=OnDelete.RESTRICT)),
                ('line', fields.ForeignKeyField('models.SalesOrderLine', source_field='line_id', null=True, db_constraint=True, to_field='id', related_name='movements', on_delete=OnDelete.RESTRICT)),
                ('reference', fields.CharField(default='', max_length=200)),
                ('actor', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'stock_movement', 'app': 'models', 'indexes': [Index(fields=['item_id', 'id']), Index(fields=['line_id'])], 'pk_attr': 'id', 'table_description': "One change to an item's stock on hand, written in the same transaction."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='SalesOrderLine',
            name='ordered',
            field=fields.IntField(default=0, db_default=0),
        ),
        # Data already there before the ledger: an opening balance per item
        # (today's on hand plus what was picked before), a PICK movement per
        # picked line, and each line's quantity counted as ordered, so that
        # `backorders check` holds from the start.
        ops.RunSQL(
            sql=[
                "UPDATE sales_order_line SET ordered = quoted",
                "INSERT INTO stock_movement "
                "(item_id, location, quantity, reason, reference, actor, created_at) "
                "SELECT i.id, 'MAIN', i.on_hand + COALESCE((SELECT SUM(l.picked) "
                "FROM sales_order_line l WHERE l.item_id = i.id), 0), 'ADJUSTMENT', "
                "'opening balance', 'migration 0002', CURRENT_TIMESTAMP FROM sales_item i "
                "WHERE i.on_hand + COALESCE((SELECT SUM(l.picked) FROM sales_order_line l "
                "WHERE l.item_id = i.id), 0) <> 0",
                "INSERT INTO stock_movement "
                "(item_id, location, quantity, reason, order_id, line_id, reference, actor, "
                "created_at) SELECT l.item_id, 'MAIN', -l.picked, 'PICK', l.order_id, l.id, "
                "'picked before the ledger', 'migration 0002', CURRENT_TIMESTAMP "
                "FROM sales_order_line l WHERE l.picked > 0",
            ],
            reverse_sql=["UPDATE sales_order_line SET ordered = 0"],
        ),
    ]
