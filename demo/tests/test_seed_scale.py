import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from competitions.models import Entry
from courses.models import Course, Enrollment
from quizzes.homework.models import Homework, Submission, SubmissionAnswer
from quizzes.surveys.models import SurveyResponse

pytestmark = pytest.mark.django_db


def seed(settings, **options):
    settings.DEBUG = True
    call_command("seed_scale", learners=60, lectures=4, **options)
    return Course.objects.get(slug="scale")


def test_it_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_scale", learners=5, lectures=2)
    assert not Course.objects.filter(slug="scale").exists()


def test_force_runs_it_with_debug_off(settings):
    settings.DEBUG = False
    call_command("seed_scale", learners=5, lectures=2, force=True)
    assert Course.objects.get(slug="scale").lectures.count() == 2


def test_it_builds_approved_verified_learners_who_can_log_in(settings, client):
    course = seed(settings)
    approved = Enrollment.objects.filter(course=course, status="approved")
    assert approved.count() == 60
    assert (
        EmailAddress.objects.filter(
            user__enrollments__course=course, verified=True, primary=True
        ).count()
        == 60
    )
    assert client.login(email="scale-7@example.com", password="koza-scale")


def test_every_lecture_has_published_homework_of_five_by_four_and_a_survey(settings):
    course = seed(settings)
    homeworks = Homework.objects.filter(lecture__course=course, published=True)
    assert homeworks.count() == 4
    for homework in homeworks:
        assert homework.questions.count() == 5
        assert all(q.choices.count() == 4 for q in homework.questions.all())
        choices = [c for q in homework.questions.all() for c in q.choices.all()]
        assert sum(c.is_correct for c in choices) == 5
        assert homework.lecture.survey.published


def test_past_weeks_have_a_realistic_spread_and_this_week_is_open_and_empty(settings):
    course = seed(settings)
    homeworks = list(Homework.objects.filter(lecture__course=course))
    now = timezone.now()
    *past, current = homeworks
    assert current.state_at(now) == Homework.State.OPEN
    assert not Submission.objects.filter(homework=current).exists()
    assert all(h.due_at < now for h in past)
    submissions = Submission.objects.filter(homework__in=past)
    # Some learners miss weeks, most submit, a few are late.
    assert 0.4 * 60 * 3 < submissions.count() < 60 * 3
    assert 0 < submissions.filter(is_late=True).count() < submissions.count() * 0.3
    assert (
        SubmissionAnswer.objects.filter(submission__in=submissions).count()
        == submissions.count() * 5
    )
    summaries = SurveyResponse.objects.filter(survey__lecture__course=course)
    assert 0.4 * 60 * 3 < summaries.count() < 60 * 3
    assert not summaries.filter(survey__lecture=current.lecture).exists()


def test_competition_entries_are_scored(settings):
    course = seed(settings)
    entries = Entry.objects.filter(competition__course=course)
    assert entries.count() > 10
    assert not entries.exclude(status=Entry.Status.SCORED).exists()
    assert not entries.filter(public_score__isnull=True).exists()


def test_running_it_again_replaces_the_course(settings):
    seed(settings)
    course = seed(settings)
    assert Course.objects.filter(slug="scale").count() == 1
    assert Enrollment.objects.filter(course=course).count() == 60
