"""pg_trgm GIN indexes for the Q&A search (`discussions/search.py`).

PostgreSQL only: SQLite (`make run`) searches without an index. The indexes
are on the plain columns, which serve both `LIKE` and `ILIKE`, and on titles
also pg_trgm's word similarity (the "similar questions" on the ask page).
They are not declared on the models because Django cannot express a
vendor-specific index there; `makemigrations` does not see them.
"""

from django.db import migrations

INDEXES = [
    ("discussions_question_title_trgm", "discussions_question", "title"),
    ("discussions_question_body_trgm", "discussions_question", "body"),
    ("discussions_answer_body_trgm", "discussions_answer", "body"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may
    # create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("discussions", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
