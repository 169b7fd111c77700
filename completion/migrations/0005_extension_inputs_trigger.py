# Extensions (issue 21) change what a certification run decides (which
# scores count, who is at risk): granting or revoking one advances the
# inputs stamp of 0002, like any other input table.

from django.db import migrations

INPUT_TABLES = ["courses_extension"]


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in INPUT_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER koza_completion_inputs "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION koza_completion_inputs_changed()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in INPUT_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS koza_completion_inputs ON {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("completion", "0004_certificate_email_state"),
        ("courses", "0006_extension"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
