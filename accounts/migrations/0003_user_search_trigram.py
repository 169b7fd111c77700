"""Trigram indexes for staff searching learners by name or email
(`icontains`: UPPER(column) LIKE UPPER('%…%')), so a search among 100,000
learners reads the index instead of every user. PostgreSQL only, and only
where the pg_trgm extension can be created; elsewhere (SQLite, or a role
that may not create it) searching still works, by a scan."""

from django.db import DatabaseError, migrations, transaction

INDEXES = {
    "accounts_user_email_trgm": "email",
    "accounts_user_display_name_trgm": "display_name",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        return
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON accounts_user "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_user_announcement_emails")]

    operations = [migrations.RunPython(create, drop)]
