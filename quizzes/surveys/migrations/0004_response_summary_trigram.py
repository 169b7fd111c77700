"""A trigram index on the summaries, for the review queue's search
(`lms.search.contains`: `summary ILIKE '%…%'`, or `LIKE` for a word without
letter case), so a word in few summaries is found without reading the
survey's 100,000. On the plain column: `contains` writes no `UPPER()`.

Built CONCURRENTLY (outside a transaction), so learners keep submitting
while it builds: about a minute per million summaries on two cores.
PostgreSQL only, and only where the pg_trgm extension exists or can be
created (idempotently, whichever app's migration runs first); elsewhere
(SQLite, or a role that may not create it) the search still works, by a
scan of the survey's summaries."""

from django.db import DatabaseError, migrations

NAME = "surveys_response_summary_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        return
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} "
        "ON quizzes_surveyresponse USING gin (summary gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("surveys", "0003_response_review_order")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
