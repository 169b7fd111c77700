"""Statistics on the records' course and decision taken together
(PostgreSQL's CREATE STATISTICS, kind mcv), for the dashboard's outcome and
tier filters. Without them the planner estimates "complete in this course" as
the share of complete records in every course: with no learner complete in a
20,000-learner course while another course has 60,000, it expected 8,000,
walked every user in name order looking for them, and took 390 ms for an
empty page; with them it expects none and reads the course's complete records
through their index (29 ms). ANALYZE (autovacuum's, or the one below) fills
them. PostgreSQL only; a no-op elsewhere."""

from django.db import migrations

NAME = "completion_record_course_decision"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE STATISTICS IF NOT EXISTS {NAME} (mcv) "
        "ON course_id, decision, decision_tier FROM completion_completionrecord"
    )
    schema_editor.execute("ANALYZE completion_completionrecord")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP STATISTICS IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("completion", "0008_at_risk_stored")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
