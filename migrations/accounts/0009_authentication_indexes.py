from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_access_token_network"), ("media", "0001_initial")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="CommitteeMembership",
            index=Index(fields=["user_id", "left_at"]),
        ),
        ops.AddIndex(
            model_name="Sanction",
            index=Index(fields=["user_id", "kind"]),
        ),
    ]
