from tortoise import fields, migrations
from tortoise.migrations import operations as ops


async def _skeletons(apps, schema_editor):
    """Give existing members their username's skeleton (api.names). Where two existing names
    already look alike, the older member keeps the skeleton and the newer one gets none (their
    name stays; only new look-alikes are refused)."""
    from api.names import skeleton

    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    update = (
        "UPDATE users SET username_skeleton = $1 WHERE id = $2"
        if postgres
        else "UPDATE users SET username_skeleton = ? WHERE id = ?"
    )
    taken: set[str] = set()
    for row in await client.execute_query_dict("SELECT id, username FROM users ORDER BY id"):
        value = skeleton(row["username"])
        if value in taken:
            continue
        taken.add(value)
        await client.execute_query(update, [value, row["id"]])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("accounts", "0002_user_avatar"), ("media", "0001_initial")]

    initial = False

    operations = [
        ops.AddField(
            model_name="User",
            name="username_skeleton",
            field=fields.CharField(null=True, unique=True, max_length=128),
        ),
        ops.RunPython(_skeletons),
    ]
