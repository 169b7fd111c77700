"""Deadline reminders: on time, once each, never after submitting, never to
withdrawn learners, whatever runs them twice (tests in this package's
conftest get `homework` and the survey fixtures from factories)."""

import re
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from conftest import wait_for
from courses import tasks
from courses.calendar import course_calendar
from courses.models import Enrollment
from courses.reminders import reminders_send_due
from notifications.models import Kind, Notification
from quizzes.homework.models import Submission
from quizzes.homework.tests.factories import make_homework
from quizzes.surveys.models import Survey, SurveyResponse


def _reminded() -> Counter:
    return Counter(
        Notification.objects.filter(kind=Kind.DEADLINE_REMINDER).values_list(
            "recipient__email", "dedupe_key"
        )
    )


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def due(course):
    return timezone.now().replace(microsecond=0) + timedelta(days=5)


@pytest.fixture
def people(user_factory, course, learner):
    submitted = user_factory(email="done@example.com")
    withdrawn = user_factory(email="gone@example.com")
    Enrollment.objects.create(user=submitted, course=course, status="approved")
    Enrollment.objects.create(user=withdrawn, course=course, status="withdrawn")
    return {"learner": learner, "submitted": submitted, "withdrawn": withdrawn}


def test_reminders_go_out_at_48_and_6_hours_once_each(
    course, people, due, mailoutbox, django_capture_on_commit_callbacks
):
    homework = make_homework(course.lectures.get(number=2), due_at=due)
    Submission.objects.create(
        homework=homework, user=people["submitted"], submitted_at=timezone.now()
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due(now=due - timedelta(hours=49)) == 0
        assert reminders_send_due(now=due - timedelta(hours=47)) == 1
        assert reminders_send_due(now=due - timedelta(hours=46)) == 0  # once
        assert reminders_send_due(now=due - timedelta(hours=5)) == 1
        assert reminders_send_due(now=due + timedelta(minutes=1)) == 0  # past due

    assert _reminded() == {
        ("learner@example.com", f"reminder:homework:{homework.pk}:48h"): 1,
        ("learner@example.com", f"reminder:homework:{homework.pk}:6h"): 1,
    }
    assert [m.to for m in mailoutbox] == [["learner@example.com"]] * 2
    assert "Homework: lecture 2" in mailoutbox[0].subject
    assert "(Asia/Tokyo)" in mailoutbox[0].body


def test_a_learner_who_submits_after_the_first_reminder_gets_no_second(
    course, learner, due
):
    homework = make_homework(course.lectures.get(number=2), due_at=due)
    reminders_send_due(now=due - timedelta(hours=40))
    Submission.objects.create(homework=homework, user=learner, submitted_at=due)
    reminders_send_due(now=due - timedelta(hours=2))
    assert list(_reminded()) == [
        ("learner@example.com", f"reminder:homework:{homework.pk}:48h")
    ]


def test_a_beat_that_was_down_sends_only_the_current_reminder(course, learner, due):
    homework = make_homework(course.lectures.get(number=2), due_at=due)
    reminders_send_due(now=due - timedelta(hours=3))
    assert list(_reminded()) == [
        ("learner@example.com", f"reminder:homework:{homework.pk}:6h")
    ]


def test_surveys_are_reminded_and_the_course_chooses_the_times(course, learner, due):
    course.reminder_hours = "24"
    course.save()
    survey = Survey.objects.create(
        lecture=course.lectures.get(number=2),
        opens_at=timezone.now() - timedelta(days=1),
        due_at=due,
        published=True,
    )
    other = Survey.objects.create(
        lecture=course.lectures.get(number=3), due_at=due, published=True
    )
    SurveyResponse.objects.create(survey=other, user=learner, summary="done")
    assert reminders_send_due(now=due - timedelta(hours=47)) == 0
    assert reminders_send_due(now=due - timedelta(hours=23)) == 1
    assert list(_reminded()) == [
        ("learner@example.com", f"reminder:survey:{survey.pk}:24h")
    ]


def test_no_reminders_when_the_course_turns_them_off(course, learner, due):
    course.reminder_hours = ""
    course.save()
    make_homework(course.lectures.get(number=2), due_at=due)
    assert reminders_send_due(now=due - timedelta(hours=5)) == 0


def test_unpublished_homework_is_not_reminded(course, learner, due):
    make_homework(course.lectures.get(number=2), due_at=due, publish=False)
    assert reminders_send_due(now=due - timedelta(hours=5)) == 0


def test_the_calendar_feed_alarms_at_the_reminder_times(course, learner, due):
    make_homework(course.lectures.get(number=2), due_at=due)
    feed = course_calendar(course=course, user=learner).decode()
    assert "BEGIN:VALARM" in feed
    assert "TRIGGER:-P2D" in feed
    assert "TRIGGER:-PT6H" in feed


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_beat_processes_at_once_remind_each_learner_once(course, user_factory, due):
    assert connection.vendor == "postgresql"
    homework = make_homework(course.lectures.get(number=2), due_at=due)
    for n in range(200):
        user = user_factory(email=f"many{n}@example.com")
        Enrollment.objects.create(user=user, course=course, status="approved")
    now = due - timedelta(hours=5)
    barrier = threading.Barrier(2)
    results = []

    def beat():
        try:
            barrier.wait()
            results.append(reminders_send_due(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(results) == 200
    keys = _reminded()
    assert len(keys) == 200 and max(keys.values()) == 1
    assert {key for _email, key in keys} == {f"reminder:homework:{homework.pk}:6h"}


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_each_reminder_email_once(
    celery_worker, course, user_factory
):
    due = timezone.now() + timedelta(hours=5)
    make_homework(course.lectures.get(number=2), due_at=due)
    for n in range(30):
        user = user_factory(email=f"worker{n}@example.com")
        Enrollment.objects.create(user=user, course=course, status="approved")

    tasks.deadline_reminders_send.delay()
    tasks.deadline_reminders_send.delay()  # a second beat, or a redelivery
    wait_for(
        lambda: Notification.objects.filter(email_state="sent").count() == 30,
        timeout=90,
    )
    log = "".join(
        p.log_path.read_text(errors="replace") for p in celery_worker.processes
    )
    sent_to = Counter(re.findall(r"^To: (\S+@example\.com)$", log, flags=re.M))
    assert len(sent_to) == 30 and max(sent_to.values()) == 1


def test_a_homework_submit_never_waits_on_a_notification_or_an_email(
    client, course, learner, django_capture_on_commit_callbacks, mailoutbox
):
    from quizzes.homework.tests.factories import answers_for, post_data

    homework = make_homework(course.lectures.get(number=2))
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            homework.get_absolute_url(), post_data(answers_for(homework, correct=5))
        )
    assert Submission.objects.filter(user=learner).exists()
    assert not Notification.objects.exists()
    assert mailoutbox == []
