"""A trigram index for staff searching applications by affiliation
(`icontains`: UPPER(column) LIKE UPPER('%…%')), the third column of the
applications search beside the learner's name and email (accounts 0003).
PostgreSQL only, and only where the pg_trgm extension exists or can be
created (idempotently, whichever app's migration runs first); elsewhere
(SQLite, or a role that may not create it) the search still works, by a
scan of the course's applications."""

from django.db import DatabaseError, migrations, transaction

NAME = "courses_enrollment_affiliation_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME} ON courses_enrollment "
        "USING gin (UPPER(affiliation::text) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("courses", "0009_enrollment_sort_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
