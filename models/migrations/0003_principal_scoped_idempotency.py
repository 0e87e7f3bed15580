import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Idempotency keys scoped to the whole principal (subject, roles and customer).

    The table is made anew: SQLite cannot drop the old inline UNIQUE (sub,
    operation, key), and keys remembered before this migration cannot be given
    their whole principal anyway. They are forgotten (a retry that straddles
    the upgrade acts again) rather than left shared between principals.
    """

    dependencies = [('models', '0002_ledger')]

    initial = False

    operations = [
        ops.DeleteModel(name='IdempotencyRecord'),
        ops.CreateModel(
            name='IdempotencyRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('principal', fields.CharField(default='', max_length=64)),
                ('sub', fields.CharField(max_length=200)),
                ('operation', fields.CharField(max_length=64)),
                ('key', fields.CharField(max_length=200)),
                ('request_hash', fields.CharField(max_length=64)),
                ('owner', fields.CharField(max_length=36)),
                ('result', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'idempotency_record', 'app': 'models', 'unique_together': (('principal', 'operation', 'key'),), 'indexes': [Index(fields=['created_at'])], 'pk_attr': 'id', 'table_description': "A successful mutation's result, remembered under the caller's key."},
            bases=['Model'],
        ),
    ]
