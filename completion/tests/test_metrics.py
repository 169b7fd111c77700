import pytest

from completion.rules import Metrics
from completion.selectors import learner_metrics
from completion.tests.factories import (
    competition_with_ranking,
    course_work,
    homework_score,
    summary,
)
from courses.models import Enrollment
from quizzes.surveys.models import SurveyCourseSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def weeks(course):
    return course_work(course)


def test_homework_points_add_up_and_a_week_passes_at_the_pass_mark(
    course, weeks, learner
):
    homework_score(learner, weeks[1], 3)  # exactly the pass mark
    homework_score(learner, weeks[2], 2)  # one below
    homework_score(learner, weeks[3], 5)
    enrollment = Enrollment.objects.get(user=learner)

    metrics = learner_metrics(course)[enrollment.pk]

    assert metrics.homework_points == 10
    assert metrics.homework_weeks_passed == 2


def test_unpublished_or_ungraded_homework_does_not_count(course, weeks, learner):
    homework = weeks[1].homework
    homework.published = False
    homework.save()
    homework_score(learner, weeks[1], 5)
    ungraded = homework_score(learner, weeks[2], 5)
    ungraded.score = None
    ungraded.save()
    enrollment = Enrollment.objects.get(user=learner)

    assert learner_metrics(course)[enrollment.pk].homework_points == 0


def test_summaries_count_submitted_and_accepted_separately(course, weeks, learner):
    summary(learner, weeks[1], "accepted")
    summary(learner, weeks[2], "pending")
    summary(learner, weeks[3], "rejected")
    enrollment = Enrollment.objects.get(user=learner)

    metrics = learner_metrics(course)[enrollment.pk]

    assert metrics.summaries_submitted == 3
    assert metrics.summaries_accepted == 1


def test_only_accepted_summaries_count_when_the_course_says_so(course, weeks, learner):
    SurveyCourseSettings.objects.create(
        course=course, only_accepted_summaries_count=True
    )
    summary(learner, weeks[1], "accepted")
    summary(learner, weeks[2], "pending")
    enrollment = Enrollment.objects.get(user=learner)

    assert learner_metrics(course)[enrollment.pk].summaries_submitted == 1


def test_competition_entry_report_and_top_percent(course, weeks, learner, user_factory):
    other_learner = user_factory()
    others = [user_factory() for _ in range(8)]
    for user in [other_learner, *others]:
        Enrollment.objects.create(
            course=course, user=user, status=Enrollment.Status.APPROVED
        )
    competition = competition_with_ranking(course, [other_learner, *others, learner])
    participant = competition.participants.get(user=learner)
    participant.report = "reports/report.pdf"
    participant.save()
    ids = dict(Enrollment.objects.filter(course=course).values_list("user_id", "pk"))

    metrics = learner_metrics(course)

    assert metrics[ids[other_learner.pk]].competition_top_percent == 10.0
    assert metrics[ids[learner.pk]].competition_top_percent == 100.0
    assert metrics[ids[learner.pk]].competition_entry
    assert metrics[ids[learner.pk]].competition_report
    assert not metrics[ids[other_learner.pk]].competition_report


def test_only_approved_learners_are_measured_and_silent_ones_get_zeros(
    course, weeks, learner, applicant
):
    homework_score(applicant, weeks[1], 5)
    enrollment = Enrollment.objects.get(user=learner)

    metrics = learner_metrics(course)

    assert list(metrics) == [enrollment.pk]
    assert metrics[enrollment.pk] == Metrics()


def test_metrics_take_a_fixed_number_of_queries(
    course, weeks, user_factory, django_assert_max_num_queries
):
    from completion.tests.factories import bulk_learners

    bulk_learners(course, 30)

    with django_assert_max_num_queries(10):
        metrics = learner_metrics(course)

    assert len(metrics) == 30
