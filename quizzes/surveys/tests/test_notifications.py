"""What learners are told, and what a submit never waits for."""

import pytest
from django.urls import reverse

from courses.models import Enrollment
from courses.services import announcement_post, enrollments_decide
from lms.models import Job
from notifications.models import Kind, Notification
from quizzes.surveys.models import SurveyResponse
from quizzes.surveys.tests.test_learner import JAPANESE_25, _answer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def test_a_summary_sent_back_tells_the_learner_in_app_and_by_email(
    client, staff, learner, survey, django_capture_on_commit_callbacks, mailoutbox
):
    response = SurveyResponse.objects.create(
        survey=survey, user=learner, summary=JAPANESE_25
    )
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("staff_survey_review", args=["llm", 2, response.pk]),
            {"state": "needs_revision", "comment": "Please use your own words."},
        )
    notification = Notification.objects.get(recipient=learner)
    assert notification.kind == Kind.SUMMARY_NEEDS_REVISION
    assert notification.url == survey.get_absolute_url()
    assert [m.to for m in mailoutbox] == [[learner.email]]
    assert "Lecture summary: lecture 2 was sent back for revision." in (
        mailoutbox[0].subject
    )
    client.force_login(learner)
    page = client.get(reverse("notifications"))
    assert "Lecture summary: lecture 2 was sent back for revision." in page.text


def test_a_submit_never_records_notifications_or_queues_email(
    client, learner, survey_url, questions, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    with django_capture_on_commit_callbacks() as callbacks:
        page = client.post(survey_url, _answer(questions, JAPANESE_25))
    assert page.status_code in (200, 302)
    assert SurveyResponse.objects.filter(user=learner).exists()
    assert not Notification.objects.exists()
    assert not Job.objects.exists()
    assert not [c for c in callbacks if "notification" in repr(c).lower()]


def test_an_announcement_reaches_every_approved_learner_in_app_without_a_second_email(
    staff, learner, applicant, course, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        announcement_post(
            course=course, author=staff, title="Room", body="B", send_email=True
        )
    told = set(Notification.objects.values_list("recipient__email", "kind"))
    assert told == {
        (learner.email, Kind.ANNOUNCEMENT),
        (staff.email, Kind.JOB_FINISHED),  # the email job staff started
    }
    assert [m.to for m in mailoutbox] == [[learner.email]]  # the announcement's own


def test_a_decision_is_in_the_applicants_notifications(
    staff, applicant, course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enrollments_decide(
            course=course,
            enrollments=Enrollment.objects.filter(user=applicant),
            status=Enrollment.Status.APPROVED,
            decided_by=staff,
        )
    notification = Notification.objects.get(recipient=applicant)
    assert notification.text == "Your application to Large Language Models was decided."
