from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_user_avatar"),
        ("forum", "0001_initial"),
        ("governance", "0001_initial"),
    ]

    initial = False

    operations = [
        # The plain topic id becomes a foreign key now that the forum's tables exist (same column).
        ops.RemoveField(model_name="Poll", name="topic_id"),
        ops.AddField(
            model_name="Poll",
            name="topic",
            field=fields.ForeignKeyField(
                "forum.Topic",
                source_field="topic_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="polls",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
    ]
