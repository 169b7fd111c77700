"""A learner's survey extension: they submit after the due time, on time
(or late, when the survey takes late answers, from their own due time);
others are refused; their page and the calendar show their date."""

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from courses.models import Enrollment
from courses.services import ExtensionLearner, extension_grant
from quizzes.surveys.models import SurveyResponse

pytestmark = pytest.mark.django_db

SUMMARY = "大規模言語モデルの事前学習とスケーリング則について学んだ。"


def _answer(questions, summary=SUMMARY):
    return {
        "action": "submit",
        "summary": summary,
        f"q_{questions['rating'].pk}": "4",
    }


def _grant(course, user, staff, *, scope="survey", lecture=None, days=2):
    extension_grant(
        course=course,
        learners=[ExtensionLearner(user.pk, user.email, timedelta(days=days))],
        scope=scope,
        lecture=lecture,
        reason="Family emergency",
        by=staff,
    )


@pytest.fixture
def other_learner(user_factory, course):
    user = user_factory(email="other@example.com")
    Enrollment.objects.create(
        user=user, course=course, status=Enrollment.Status.APPROVED
    )
    return user


def test_an_extended_learner_submits_after_the_due_time_on_time(
    client, learner, other_learner, staff, course, survey, survey_url, questions
):
    survey.due_at = timezone.now() - timedelta(hours=1)
    survey.save()
    _grant(course, learner, staff, lecture=survey.lecture)
    client.force_login(other_learner)
    assert client.post(survey_url, _answer(questions)).status_code == 403
    client.force_login(learner)
    page = client.get(survey_url, HTTP_ACCEPT_LANGUAGE="en").text
    assert "Extended for you" in page
    extended = (survey.due_at + timedelta(days=2)).astimezone(course.tzinfo)
    assert extended.strftime("%Y-%m-%d %H:%M") in page
    assert "Family emergency" not in page  # the reason is for staff only
    assert client.post(survey_url, _answer(questions)).status_code == 302
    assert list(SurveyResponse.objects.values_list("user_id", "late")) == [
        (learner.pk, False)
    ]


def test_late_answers_are_late_from_the_extended_due_time(
    client, learner, staff, course, survey, survey_url, questions
):
    survey.due_at = timezone.now() - timedelta(days=3)
    survey.allow_late = True
    survey.save()
    _grant(course, learner, staff, scope="all", days=2)
    client.force_login(learner)
    assert client.post(survey_url, _answer(questions)).status_code == 302
    assert SurveyResponse.objects.get(user=learner).late is True


def test_an_answer_saved_late_is_on_time_once_the_extension_covers_it(
    client, learner, staff, course, survey, survey_url, questions
):
    survey.due_at = timezone.now() - timedelta(hours=1)
    survey.allow_late = True
    survey.save()
    client.force_login(learner)
    client.post(survey_url, _answer(questions))
    assert SurveyResponse.objects.get(user=learner).late is True
    _grant(course, learner, staff, lecture=survey.lecture, days=1)
    assert SurveyResponse.objects.get(user=learner).late is False


def test_the_calendar_feed_carries_the_extended_due_time(
    client, learner, staff, course, survey
):
    _grant(course, learner, staff, lecture=survey.lecture, days=2)
    client.force_login(learner)
    enrollment = Enrollment.objects.get(user=learner, course=course)
    token = enrollment.ensure_calendar_token()
    feed = client.get(f"/courses/{course.slug}/calendar.ics?token={token}").text
    extended = (survey.due_at + timedelta(days=2)).astimezone(UTC)
    assert f"DTSTART:{extended.strftime('%Y%m%dT%H%M%SZ')}" in feed
    normal = survey.due_at.astimezone(UTC)
    assert f"DTSTART:{normal.strftime('%Y%m%dT%H%M%SZ')}" not in feed
