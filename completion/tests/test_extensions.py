"""Completion uses the extended deadlines: a learner whose extension keeps
last weeks' work open is not "at risk" for not having sent it yet, a score
they may still change does not count (nor show on their progress page), and
staff see who has an extension on the dashboard."""

import pytest

from completion.selectors import learner_metrics
from completion.tests.factories import (
    course_work,
    extension_for_everything,
    homework_score,
)
from courses.models import Enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def weeks(course):
    return course_work(course)


def test_an_extended_learner_is_not_at_risk_for_work_still_open_to_them(
    client, course, tiers, weeks, learner, staff, user_factory
):
    idle = user_factory(email="idle@example.com")
    Enrollment.objects.create(
        course=course, user=idle, status=Enrollment.Status.APPROVED
    )
    extension_for_everything(course, learner, staff)
    client.force_login(staff)
    at_risk = client.get("/staff/llm/completion/?at_risk=on").text
    assert "idle@example.com" in at_risk
    assert learner.email not in at_risk


def test_a_score_the_learner_may_still_change_does_not_count(
    course, weeks, learner, staff
):
    homework_score(learner, weeks[1], 5)
    enrollment = Enrollment.objects.get(user=learner)
    assert learner_metrics(course)[enrollment.pk].homework_points == 5
    extension_for_everything(course, learner, staff)
    assert learner_metrics(course)[enrollment.pk].homework_points == 0


def test_staff_see_who_has_an_extension_on_the_dashboard(
    client, course, tiers, weeks, learner, staff, user_factory
):
    other = user_factory(email="plain@example.com")
    Enrollment.objects.create(
        course=course, user=other, status=Enrollment.Status.APPROVED
    )
    extension_for_everything(course, learner, staff)
    client.force_login(staff)
    page = client.get("/staff/llm/completion/").text
    assert "/staff/llm/extensions/?q=learner%40example.com" in page
    assert "plain@example.com" in page
    assert "/staff/llm/extensions/?q=plain%40example.com" not in page
