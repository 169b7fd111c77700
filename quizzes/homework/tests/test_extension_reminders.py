"""Reminders and the grant notification follow the learner's extension: an
extended learner is reminded before their own due time (even once the
homework closed for the others), with that time in the message, and told
when they get more time."""

from datetime import timedelta

import pytest

from courses.models import Enrollment
from courses.reminders import reminders_send_due
from courses.services import ExtensionLearner, extension_grant
from notifications.models import Kind, Notification
from quizzes.homework.tests.factories import (
    english,  # noqa: F401 - fixture
    make_homework,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_learner(user_factory, course):
    user = user_factory(email="other@example.com")
    Enrollment.objects.create(
        user=user, course=course, status=Enrollment.Status.APPROVED
    )
    return user


def _reminded(kind=Kind.DEADLINE_REMINDER):
    return sorted(
        (n.recipient_id, n.params["due"])
        for n in Notification.objects.filter(kind=kind)
    )


def test_an_extended_learner_is_reminded_before_their_own_due_time(
    learner, other_learner, staff, course, django_capture_on_commit_callbacks
):
    hw = make_homework(course.lectures.get(number=2))
    with django_capture_on_commit_callbacks(execute=True):
        extension_grant(
            course=course,
            learners=[ExtensionLearner(learner.pk, learner.email, timedelta(days=2))],
            scope="homework",
            lecture=hw.lecture,
            reason="ill",
            by=staff,
        )
    granted = Notification.objects.get(kind=Kind.EXTENSION_GRANTED)
    extended = (hw.due_at + timedelta(days=2)).astimezone(course.tzinfo)
    assert granted.recipient == learner
    assert granted.params["due"].startswith(extended.strftime("%Y-%m-%d %H:%M"))
    assert granted.url == hw.get_absolute_url()

    # 5 hours before the homework's own due time: only the other learner.
    reminders_send_due(now=hw.due_at - timedelta(hours=5))
    normal = hw.due_at.astimezone(course.tzinfo).strftime("%Y-%m-%d %H:%M")
    assert [(r, d[:16]) for r, d in _reminded()] == [(other_learner.pk, normal)]

    # Closed for the others; 5 hours before the extended due time.
    reminders_send_due(now=hw.due_at + timedelta(days=2, hours=-5))
    reminded = [(r, d[:16]) for r, d in _reminded()]
    assert reminded == sorted(
        [(other_learner.pk, normal), (learner.pk, extended.strftime("%Y-%m-%d %H:%M"))]
    )
    # Twice changes nothing.
    reminders_send_due(now=hw.due_at + timedelta(days=2, hours=-4))
    assert len(_reminded()) == 2
