"""The dashboard's stored totals (completion.totals): the copy on each
enrollment matches a from-scratch count after any mix of writes once the
refresh has run, and the periodic refresh does nothing where nothing moved."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
    sql, params = totals_sql(course)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[1]: tuple(row[2:]) for row in cursor.fetchall()}


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


def test_a_learner_whose_work_stops_counting_goes_back_to_zero(
    course, learner, user_factory
):
    """No graded submission and no summary that counts any more (the
    homework regraded to "ungraded", the summary no longer accepted in a
    course that counts only accepted ones): every total is 0 again, not the
    old value, while another learner keeps theirs."""
    weeks = course_work(course)
    other = user_factory()
    Enrollment.objects.create(course=course, user=other, status="approved")
    mine = homework_score(learner, weeks[1], 5)
    homework_score(other, weeks[1], 4)
    summary(learner, weeks[1], "accepted")
    summary(other, weeks[1], "accepted")
    survey_set_only_accepted_count(course=course, value=True)
    dashboard_totals_refresh(course=course)
    assert stored(course)[learner.pk] == (5, 1, 1)

    Submission.objects.filter(pk=mine.pk).update(score=None)
    SurveyResponse.objects.filter(user=learner).update(review_state="pending")
    assert dashboard_totals_refresh(course=course) is True

    assert stored(course)[learner.pk] == (0, 0, 0)
    assert stored(course)[other.pk] == (4, 1, 1)
    assert stored(course) == by_hand(course) == from_scratch(course)


def test_a_summary_that_stops_counting_lowers_only_the_summaries(course, learner):
    weeks = course_work(course)
    homework_score(learner, weeks[1], 5)
    summary(learner, weeks[1], "accepted")
    summary(learner, weeks[2], "accepted")
    dashboard_totals_refresh(course=course)
    assert stored(course)[learner.pk] == (5, 1, 2)

    survey_set_only_accepted_count(course=course, value=True)
    SurveyResponse.objects.filter(user=learner, survey=weeks[2].survey).update(
        review_state="rejected"
    )
    dashboard_totals_refresh(course=course)

    assert stored(course)[learner.pk] == (5, 1, 1)
    assert stored(course) == by_hand(course) == from_scratch(course)


def test_a_refresh_with_nothing_stale_writes_nothing(course, learner):
    weeks = course_work(course)
    homework_score(learner, weeks[1], 5)
    assert dashboard_totals_refresh(course=course) is True

    with CaptureQueriesContext(connection) as queries:
        assert dashboard_totals_refresh(course=course) is False

    # Not even an UPDATE of no rows: it would advance the inputs sequence.
    assert not [
        q
        for q in queries
        if q["sql"].lstrip().upper().startswith("UPDATE")
        and Enrollment._meta.db_table in q["sql"]
    ]
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
