from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Indexes for the read paths: an order's lines and charges, an order's backorders.

    Also restores, on SQLite only, the (item_id, order_id) index of
    sales_order_line: 0002 rebuilt that table there to add `ordered` and the
    rebuild dropped it (PostgreSQL kept it; IF NOT EXISTS leaves it alone).
    """

    dependencies = [('models', '0003_principal_scoped_idempotency')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='OrderCharge',
            index=Index(fields=['order_id', 'id']),
        ),
        ops.AddIndex(
            model_name='SalesOrder',
            index=Index(fields=['backorder_of_id']),
        ),
        ops.AddIndex(
            model_name='SalesOrderLine',
            index=Index(fields=['order_id', 'id']),
        ),
        ops.RunSQL(
            sql='CREATE INDEX IF NOT EXISTS "idx_sales_order_item_id_3280cc" '
            'ON "sales_order_line" ("item_id", "order_id")',
            reverse_sql=ops.RunSQL.noop,
        ),
    ]
