"""A course admin publishes a lecture's survey and sets its dates in Koza
(the schedule creates every survey unpublished; before this page only the
Django admin could)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes.surveys.models import Survey, SurveyResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    """In English, so the assertions read the English strings."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def draft_survey(course) -> Survey:
    return Survey.objects.create(
        lecture=course.lectures.get(number=1),
        due_at=timezone.now() + timedelta(days=3),
        published=False,
    )


def _url(survey, suffix="edit/"):
    return (
        f"/staff/{survey.lecture.course.slug}/surveys/{survey.lecture.number}/{suffix}"
    )


def test_a_course_admin_publishes_and_hides_the_survey(
    client, course_admin, draft_survey
):
    client.force_login(course_admin)
    page = client.get(_url(draft_survey))
    assert page.status_code == 200
    assert "Publish the survey" in page.content.decode()
    response = client.post(_url(draft_survey), {"action": "publish"}, follow=True)
    assert "The survey is published: learners see it." in response.content.decode()
    draft_survey.refresh_from_db()
    assert draft_survey.published
    client.post(_url(draft_survey), {"action": "unpublish"})
    draft_survey.refresh_from_db()
    assert not draft_survey.published


def test_moving_the_due_time_on_the_course_clock_rejudges_lateness(
    client, course, course_admin, draft_survey, learner
):
    """The times are the course's (Asia/Tokyo): 10:00 there is 01:00 UTC; a
    summary written after the new due time becomes late."""
    written = SurveyResponse.objects.create(
        survey=draft_survey, user=learner, summary="要約" * 20
    )
    assert not written.late
    client.force_login(course_admin)
    yesterday = timezone.localtime(
        timezone.now() - timedelta(days=1), course.tzinfo
    ).date()
    response = client.post(
        _url(draft_survey),
        {
            "action": "settings",
            "opens_at": "",
            "due_at": f"{yesterday}T10:00",
            "summary_min_chars": "20",
            "summary_max_chars": "500",
        },
    )
    assert response.status_code == 302
    draft_survey.refresh_from_db()
    assert timezone.localtime(draft_survey.due_at, course.tzinfo).hour == 10
    assert draft_survey.summary_min_chars == 20
    assert not draft_survey.allow_late
    written.refresh_from_db()
    assert written.late


@pytest.mark.parametrize(
    "data, error",
    [
        (
            {"due_at": "2027-05-01T10:00", "summary_min_chars": "900",
             "summary_max_chars": "100"},
            "The maximum must not be smaller than the minimum.",
        ),
        ({"due_at": "not a date", "summary_min_chars": "1",
          "summary_max_chars": "10"}, "Enter a valid date/time."),
        ({"due_at": "", "summary_min_chars": "1", "summary_max_chars": "10"},
         "This field is required."),
    ],
)  # fmt: skip
def test_bad_input_says_why_and_changes_nothing(
    client, course_admin, draft_survey, data, error
):
    before = Survey.objects.values().get(pk=draft_survey.pk)
    client.force_login(course_admin)
    response = client.post(_url(draft_survey), {"action": "settings", **data})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert Survey.objects.values().get(pk=draft_survey.pk) == before


def test_only_the_courses_admins_may_change_it(
    client, staff, learner, other_staff, draft_survey
):
    """Staff read the survey (no link to this page); learners and another
    course's staff are refused; nothing changes."""
    client.force_login(staff)
    assert (
        "Dates and publication"
        not in client.get(_url(draft_survey, "")).content.decode()
    )
    for user in (staff, learner, other_staff):
        client.force_login(user)
        assert client.get(_url(draft_survey)).status_code == 403
        assert client.post(_url(draft_survey), {"action": "publish"}).status_code == 403
    draft_survey.refresh_from_db()
    assert not draft_survey.published


def test_the_admin_finds_it_from_the_surveys_pages(client, course_admin, draft_survey):
    client.force_login(course_admin)
    overview = client.get(_url(draft_survey, "")).content.decode()
    assert f'href="{_url(draft_survey)}"' in overview
    assert reverse("staff_survey_edit", args=["llm", 1]) == _url(draft_survey)
