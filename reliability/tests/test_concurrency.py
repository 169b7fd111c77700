"""Many requests at once on PostgreSQL: the same learner in fifty tabs, and
a deadline moved while learners submit."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from courses.models import Enrollment
from quizzes.homework.models import Homework, Submission, SubmissionAnswer
from quizzes.homework.tests.factories import answers_for, make_homework, post_data

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _postgres_only(settings):
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL")


def logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def run_together(functions) -> list:
    """Start every function at the same moment, each in its own thread (and
    its own database connection); return their results in order."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as exc:  # reported by the test, not lost in a thread
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, function))
        for index, function in enumerate(functions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_fifty_simultaneous_submits_leave_one_submission_with_one_tabs_answers(
    settings, course, learner
):
    _postgres_only(settings)
    homework = make_homework(course.lectures.get(number=1))
    url = homework.get_absolute_url()
    # Six different answer sheets (0..5 right), each tab sends one of them.
    sheets = [answers_for(homework, correct=n) for n in range(6)]
    clients = [logged_in_client(learner) for _ in range(50)]

    def submit(index):
        sheet = sheets[index % len(sheets)]
        token = str(uuid.uuid4())
        return lambda: clients[index].post(url, post_data(sheet, token)).status_code

    statuses = run_together([submit(i) for i in range(50)])

    assert statuses == [302] * 50, statuses
    submission = Submission.objects.get(homework=homework, user=learner)
    chosen = dict(
        SubmissionAnswer.objects.filter(submission=submission).values_list(
            "question_id", "choice_id"
        )
    )
    assert chosen in sheets  # one tab's answers, never a mix
    assert submission.revision == 50


def test_a_deadline_moved_while_learners_submit_judges_each_by_one_deadline(
    settings, course, user_factory
):
    _postgres_only(settings)
    now = timezone.now()
    homework = make_homework(
        course.lectures.get(number=1),
        due_at=now + timedelta(hours=1),
        late_days=2,
    )
    earlier = now - timedelta(minutes=10)
    learners = [user_factory() for _ in range(30)]
    Enrollment.objects.bulk_create(
        Enrollment(user=user, course=course, status=Enrollment.Status.APPROVED)
        for user in learners
    )
    clients = [logged_in_client(user) for user in learners]
    url = homework.get_absolute_url()
    sheet = answers_for(homework, correct=5)
    moved_at = []

    def submit(client):
        return lambda: client.post(url, post_data(sheet, str(uuid.uuid4())))

    def move_deadline():
        moved_at.append(timezone.now())
        return Homework.objects.filter(pk=homework.pk).update(due_at=earlier)

    functions = [submit(client) for client in clients]
    functions.insert(15, move_deadline)
    results = run_together(functions)

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    responses = [r for r in results if not isinstance(r, int)]
    assert [r.status_code for r in responses] == [302] * 30
    submissions = list(Submission.objects.filter(homework=homework))
    assert len(submissions) == 30
    for submission in submissions:
        # On time against the old deadline, or late against the new one:
        # the flag and the time always agree with a single deadline.
        if submission.is_late:
            assert submission.submitted_at > earlier
        else:
            assert submission.submitted_at <= homework.due_at
    # After the move has committed, every new submission is late.
    late_client = logged_in_client(learners[0])
    late_client.post(url, post_data(answers_for(homework, correct=1)))
    assert Submission.objects.get(homework=homework, user=learners[0]).is_late
