"""Existing choices get their contents moved between ids at random by
migration 0002 (ids followed the authored order), and nobody's answers or
scores change."""

import importlib

import pytest
from django.apps import apps

from quizzes.homework.models import Choice, Submission, SubmissionAnswer
from quizzes.homework.services import homework_grade_all, homework_sync_key_version
from quizzes.homework.tests.factories import answers_for, make_homework

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "quizzes.homework.migrations.0002_shuffle_existing_choice_ids"
)


def _chosen_texts():
    return sorted(
        SubmissionAnswer.objects.values_list(
            "submission__user_id", "question_id", "choice__text"
        )
    )


def test_shuffling_existing_choice_ids_keeps_every_answer_and_score(
    course, learner, user_factory
):
    homework = make_homework(course.lectures.get(number=1), questions=30, publish=False)
    homework_sync_key_version(homework=homework)
    for correct, user in enumerate([learner, user_factory(), user_factory()]):
        submission = Submission.objects.create(
            homework=homework, user=user, submitted_at=homework.opens_at
        )
        SubmissionAnswer.objects.bulk_create(
            SubmissionAnswer(submission=submission, question_id=q, choice_id=c)
            for q, c in answers_for(homework, correct=correct * 10).items()
        )
    homework_grade_all(homework_id=homework.pk)
    scores = dict(Submission.objects.values_list("user_id", "score"))
    before = _chosen_texts()
    right_ids = set(Choice.objects.filter(is_correct=True).values_list("id", flat=True))

    migration.shuffle_choice_ids(apps, None)

    homework.refresh_from_db()
    assert not homework_sync_key_version(homework=homework)  # no regrading due
    assert homework.is_graded
    assert _chosen_texts() == before
    homework_grade_all(homework_id=homework.pk)
    assert dict(Submission.objects.values_list("user_id", "score")) == scores
    ranks = set()
    for question in homework.questions.all():
        ids = list(question.choices.order_by("id").values_list("is_correct", flat=True))
        ranks.add(ids.index(True))
        authored = question.choices.order_by("position").values_list("text", flat=True)
        assert [t.rsplit(".", 1)[1] for t in authored] == ["1", "2", "3", "4"]
    assert len(ranks) > 1
    assert right_ids != set(
        Choice.objects.filter(is_correct=True).values_list("id", flat=True)
    )  # the right answers moved to other ids
    assert Choice.objects.count() == 30 * 4
