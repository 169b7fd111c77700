"""The dashboard's stored totals (completion.totals): the copy on each
enrollment matches a from-scratch count after any mix of writes once the
refresh has run, and the periodic refresh does nothing where nothing moved."""

import pytest
from django.db import connection

from completion.models import TotalsState
from completion.tasks import dashboard_totals_refresh_due
from completion.tests.factories import (
    bulk_learners,
    course_work,
    homework_score,
    summary,
)
from completion.totals import dashboard_totals_refresh, totals_sql
from courses.models import Course, Enrollment
from quizzes.homework.models import Homework, Submission
from quizzes.surveys.models import SurveyResponse
from quizzes.surveys.selectors import only_accepted_count
from quizzes.surveys.services import survey_set_only_accepted_count

pytestmark = pytest.mark.django_db


def stored(course) -> dict:
    return {
        e.user_id: (e.homework_points, e.weeks_passed, e.summaries)
        for e in Enrollment.objects.filter(course=course)
    }


def from_scratch(course) -> dict:
    """The totals as the definition counts them now (`totals_sql`)."""
    fresh = totals_sql(course)
    return {
        row[0]: tuple(row[1:])
        for row in Enrollment.objects.filter(course=course)
        .annotate(**{f"n_{name}": value for name, value in fresh.items()})
        .values_list("user_id", *(f"n_{name}" for name in fresh))
    }


def by_hand(course) -> dict:
    """The totals counted in Python from the rows themselves."""
    accepted_only = only_accepted_count(course)
    totals = {e.user_id: [0, 0, 0] for e in Enrollment.objects.filter(course=course)}
    for s in Submission.objects.filter(homework__lecture__course=course).select_related(
        "homework"
    ):
        if s.homework.published and s.score is not None:
            totals[s.user_id][0] += s.score
            totals[s.user_id][1] += s.score >= s.homework.pass_mark
    for r in SurveyResponse.objects.filter(survey__lecture__course=course):
        if not accepted_only or r.review_state == SurveyResponse.Review.ACCEPTED:
            totals[r.user_id][2] += 1
    return {user: tuple(values) for user, values in totals.items()}


def test_the_stored_totals_match_a_count_from_scratch_after_any_mix_of_writes(
    course, learner, user_factory
):
    weeks = course_work(course)
    bulk_learners(course, 30)
    dashboard_totals_refresh(course=course)
    assert stored(course) == by_hand(course)

    # New work, a regrade back to "ungraded", an unpublished homework, and a
    # course that now counts only accepted summaries.
    homework_score(learner, weeks[1], 4)
    summary(learner, weeks[1], "accepted")
    summary(learner, weeks[2], "pending")
    first = Submission.objects.filter(homework=weeks[2].homework).first()
    Submission.objects.filter(pk=first.pk).update(score=None)
    Homework.objects.filter(pk=weeks[3].homework.pk).update(published=False)
    survey_set_only_accepted_count(course=Course.objects.get(pk=course.pk), value=True)
    assert stored(course) != by_hand(course)  # stale until the refresh runs

    assert dashboard_totals_refresh(course=course) is True

    assert stored(course) == by_hand(course) == from_scratch(course)
    assert stored(course)[learner.pk] == (4, 1, 1)


def test_a_refresh_with_nothing_stale_writes_nothing(course, learner):
    weeks = course_work(course)
    homework_score(learner, weeks[1], 5)
    assert dashboard_totals_refresh(course=course) is True

    assert dashboard_totals_refresh(course=course) is False
    assert TotalsState.objects.get(course=course).refreshed_at


def test_one_learner_can_be_refreshed_alone(course, learner, user_factory):
    weeks = course_work(course)
    other = user_factory()
    Enrollment.objects.create(course=course, user=other, status="approved")
    homework_score(learner, weeks[1], 5)
    homework_score(other, weeks[1], 2)

    dashboard_totals_refresh(course=course, user_ids=[learner.pk])

    assert stored(course)[learner.pk] == (5, 1, 0)
    assert stored(course)[other.pk] == (0, 0, 0)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the inputs sequence is PostgreSQL's"
)
def test_the_periodic_task_refreshes_only_after_a_write(course, learner):
    weeks = course_work(course)
    homework_score(learner, weeks[1], 5)

    assert dashboard_totals_refresh_due() == [course.pk]
    assert stored(course)[learner.pk] == (5, 1, 0)
    assert dashboard_totals_refresh_due() == []  # nothing written since

    summary(learner, weeks[1])

    assert dashboard_totals_refresh_due() == [course.pk]
    assert stored(course)[learner.pk] == (5, 1, 1)
