"""Questions imported from Moodle XML before the import converted HTML kept
Moodle's markup (`<p>What does <b>x</b> do?</p>`), which showed as tags
wherever Koza shows text (results tables, exports, the GIFT export). Texts
that are wholly Moodle paragraphs become Markdown, as the import now makes
them; anything else (Markdown with a little inline HTML) is left alone.
Only wording changes: the answer key and every learner's answers stay."""

import re

from django.db import migrations

from quizzes.homework.gift import html_to_markdown

MOODLE_PARAGRAPHS = re.compile(r"\s*<p[ >].*</p>\s*", re.DOTALL | re.IGNORECASE)
FIELDS = {"Question": ("text", "explanation"), "Choice": ("text", "feedback")}


def convert_moodle_html(apps, schema_editor):
    for model_name, fields in FIELDS.items():
        model = apps.get_model("homework", model_name)
        changed = []
        for row in model.objects.only(*fields).iterator(chunk_size=2000):
            edited = False
            for name in fields:
                value = getattr(row, name)
                if value and MOODLE_PARAGRAPHS.fullmatch(value):
                    setattr(row, name, html_to_markdown(value))
                    edited = True
            if edited:
                changed.append(row)
        model.objects.bulk_update(changed, fields, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("homework", "0002_shuffle_existing_choice_ids")]

    operations = [
        migrations.RunPython(convert_moodle_html, migrations.RunPython.noop),
    ]
