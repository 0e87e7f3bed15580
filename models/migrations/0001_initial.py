from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from enum import StrEnum
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint

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


class ChargeKind(StrEnum):
    ADDITIONAL_SHIPPING = "ADDITIONAL_SHIPPING"


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Counter',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('value', fields.BigIntField()),
            ],
            options={'table': 'counter', 'app': 'models', 'pk_attr': 'name', 'table_description': 'A gapless sequence (order numbers), advanced with a row-locking UPDATE.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Customer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('name', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'customer', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IdempotencyRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('sub', fields.CharField(max_length=200)),
                ('operation', fields.CharField(max_length=64)),
                ('key', fields.CharField(max_length=200)),
                ('request_hash', fields.CharField(max_length=64)),
                ('owner', fields.CharField(max_length=36)),
                ('result', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'idempotency_record', 'app': 'models', 'unique_together': (('sub', 'operation', 'key'),), 'indexes': [Index(fields=['created_at'])], 'pk_attr': 'id', 'table_description': "A successful mutation's result, remembered under the caller's key."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SalesItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('name', fields.CharField(max_length=200)),
                ('unit_price', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('allow_backorder', fields.BooleanField(default=False)),
                ('on_hand', fields.IntField(default=0)),
                ('reserved', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'sales_item', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A stocked sales item.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SalesOrder',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=32)),
                ('root_number', fields.IntField()),
                ('suffix', fields.IntField(default=0)),
                ('last_backorder_suffix', fields.IntField(default=0)),
                ('status', fields.CharEnumField(description='ON_HOLD: ON_HOLD\nCONFIRMED: CONFIRMED\nPAID: PAID\nON_BACKORDER: ON_BACKORDER\nPICKED: PICKED\nPACKED: PACKED\nDISPATCHED: DISPATCHED\nINVOICED: INVOICED\nCANCELLED: CANCELLED', enum_type=OrderStatus, max_length=16)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.RESTRICT)),
                ('reference', fields.CharField(default='', max_length=200)),
                ('backorder_of', fields.ForeignKeyField('models.SalesOrder', source_field='backorder_of_id', null=True, db_constraint=True, to_field='id', related_name='backorders', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'sales_order', 'app': 'models', 'unique_together': (('root_number', 'suffix'),), 'indexes': [Index(fields=['status', 'id']), Index(fields=['customer_id', 'id'])], 'pk_attr': 'id', 'table_description': 'An order or one of its backorders.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderCharge',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.SalesOrder', source_field='order_id', db_constraint=True, to_field='id', related_name='charges', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='ADDITIONAL_SHIPPING: ADDITIONAL_SHIPPING', enum_type=ChargeKind, max_length=32)),
                ('description', fields.CharField(max_length=200)),
                ('amount', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'order_charge', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SalesOrderLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.SalesOrder', source_field='order_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('item', fields.ForeignKeyField('models.SalesItem', source_field='item_id', db_constraint=True, to_field='id', related_name='order_lines', on_delete=OnDelete.RESTRICT)),
                ('quoted', fields.IntField()),
                ('picked', fields.IntField(default=0)),
                ('unit_price', fields.DecimalField(max_digits=14, decimal_places=2)),
            ],
            options={'table': 'sales_order_line', 'app': 'models', 'indexes': [Index(fields=['item_id', 'order_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Setting',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=100)),
                ('value', fields.CharField(max_length=1000)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'setting', 'app': 'models', 'pk_attr': 'key', 'table_description': 'A back-end setting. A key with no row has its default value.'},
            bases=['Model'],
        ),
        # CreateModel does not emit CHECK constraints; add them explicitly.
        ops.AddConstraint(
            model_name='SalesItem',
            constraint=CheckConstraint(check='on_hand >= 0', name='sales_item_on_hand_not_negative'),
        ),
        ops.AddConstraint(
            model_name='SalesItem',
            constraint=CheckConstraint(check='reserved >= 0', name='sales_item_reserved_not_negative'),
        ),
        ops.AddConstraint(
            model_name='SalesOrderLine',
            constraint=CheckConstraint(check='quoted > 0', name='sales_order_line_quoted_positive'),
        ),
        ops.AddConstraint(
            model_name='SalesOrderLine',
            constraint=CheckConstraint(
                check='picked >= 0 AND picked <= quoted', name='sales_order_line_picked_in_range'
            ),
        ),
        # The order number sequence starts so that the first order is 1001.
        ops.RunSQL(
            sql="INSERT INTO counter (name, value) VALUES ('sales_order_number', 1000)",
            reverse_sql="DELETE FROM counter WHERE name = 'sales_order_number'",
        ),
    ]
