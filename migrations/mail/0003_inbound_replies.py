from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_authentication_indexes"), ("mail", "0002_digest_sent_at")]

    initial = False

    operations = [
        ops.CreateModel(
            name="InboundReply",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "accounts.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="inbound_replies",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("message_id", fields.CharField(max_length=255)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "mail_inbound_replies",
                "app": "mail",
                "unique_together": (("user_id", "message_id"),),
                "pk_attr": "id",
                "table_description": "A reply by mail taken (posted or sent), by its Message-ID: the same signed mail sent again,",
            },
            bases=["Model"],
        ),
    ]
