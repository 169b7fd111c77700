"""Existing choices were inserted in the authored order, so the lowest id of
a question was usually its right answer (GIFT writes `=right` first), and
the learner's form posts those ids. New choices are inserted in a random
order (`ChoiceQuerySet.create_in_random_order`); this moves the contents of
existing choices between their question's rows at random, so ids carry no
information there either.

Every learner's answer follows its choice's content (submitted answers and
drafts are remapped in the same transaction), so no score changes; the key
fingerprint is recomputed without bumping the key version, so nothing needs
regrading."""

import hashlib
import secrets
from collections import defaultdict

from django.db import migrations
from django.db.models import Case, IntegerField, Value, When

CONTENT = ("position", "text", "is_correct", "feedback")


def shuffle_choice_ids(apps, schema_editor):
    Homework = apps.get_model("homework", "Homework")
    Choice = apps.get_model("homework", "Choice")
    SubmissionAnswer = apps.get_model("homework", "SubmissionAnswer")
    DraftAnswer = apps.get_model("homework", "DraftAnswer")
    rng = secrets.SystemRandom()
    by_question = defaultdict(list)
    for choice in Choice.objects.order_by("question_id", "id"):
        by_question[choice.question_id].append(choice)
    for question_id, rows in by_question.items():
        contents = [tuple(getattr(row, f) for f in CONTENT) for row in rows]
        order = list(range(len(rows)))
        rng.shuffle(order)
        moved = {}  # old row id -> the row id now holding its content
        for row, source in zip(rows, order, strict=True):
            for field, value in zip(CONTENT, contents[source], strict=True):
                setattr(row, field, value)
            moved[rows[source].pk] = row.pk
        Choice.objects.bulk_update(rows, list(CONTENT))
        remap = Case(
            *(When(choice_id=old, then=Value(new)) for old, new in moved.items()),
            output_field=IntegerField(),
        )
        for model in (SubmissionAnswer, DraftAnswer):
            model.objects.filter(question_id=question_id).update(choice_id=remap)
    for homework in Homework.objects.exclude(key_fingerprint=""):
        rows = Choice.objects.filter(question__homework_id=homework.pk).values_list(
            "question_id", "id", "is_correct"
        )
        text = ";".join(f"{q}:{c}:{int(ok)}" for q, c, ok in sorted(rows))
        Homework.objects.filter(pk=homework.pk).update(
            key_fingerprint=hashlib.sha256(text.encode()).hexdigest()
        )


class Migration(migrations.Migration):
    dependencies = [("homework", "0001_initial")]

    operations = [
        migrations.RunPython(shuffle_choice_ids, migrations.RunPython.noop),
    ]
