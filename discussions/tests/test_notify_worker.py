"""The whole path with the real services: a learner's answer is saved, the
request returns, and a separate Celery worker (on Redis, reading the same
PostgreSQL database) tells the asker, who follows their own question."""

import pytest

from conftest import wait_for
from discussions import services
from discussions.models import Follow, Topic
from notifications.models import EmailState, Kind, Notification

pytestmark = pytest.mark.services


def test_an_answer_reaches_the_asker_through_a_real_worker(
    celery_worker, course, learner, user_factory
):
    from conftest import _enroll

    classmate = user_factory(email="classmate@example.com")
    _enroll(classmate, course)
    question = services.question_ask(
        course=course,
        author=learner,
        topic=Topic.GENERAL,
        lecture=None,
        title="Why is the loss NaN?",
        body="After 100 steps the loss is NaN.",
    )
    assert Follow.objects.filter(user=learner, question=question).exists()
    answer = services.answer_post(
        question=question, author=classmate, body="Lower the learning rate."
    )
    # nothing was recorded on the request path: the worker does it
    note = wait_for(
        lambda: Notification.objects.filter(
            recipient=learner, kind=Kind.QUESTION_ANSWERED
        ).first()
    )
    assert note.url == answer.get_absolute_url()
    assert "Why is the loss NaN?" in note.text
    # the asker's email goes out at once (the default for answers), from the
    # worker too; the answerer is not told of their own answer
    wait_for(
        lambda: Notification.objects.filter(
            pk=note.pk, email_state=EmailState.SENT
        ).exists()
    )
    assert not Notification.objects.filter(recipient=classmate).exists()
