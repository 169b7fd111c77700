"""Faults with the real services: the broker goes away while learners
submit, a task is delivered twice, the database connection drops mid-task.
The database is the source of truth; nothing submitted is lost and nothing is
done twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from competitions import services as competition_services
from competitions.models import Entry
from competitions.tests.conftest import csv_upload, perfect_rows
from conftest import WorkerPool, wait_for
from lms.cache import CircuitBreaker
from lms.celery import app as celery_app
from lms.models import Job
from quizzes.homework.models import Homework, Submission
from quizzes.homework.tests.factories import answers_for, make_homework, post_data
from quizzes.surveys.models import SurveyResponse
from reliability.tests.private_redis import PrivateRedis, forget_broker_connections

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def private_broker(tmp_path, settings):
    """The test process and its workers use a private Redis as the broker."""
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL")
    server = PrivateRedis(tmp_path)
    server.start()
    pool = WorkerPool(tmp_path)
    pool.env |= {
        "CELERY_BROKER_URL": server.url,
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    previous = (
        celery_app.conf.broker_url,
        celery_app.conf.task_default_queue,
    )
    celery_app.conf.broker_url = server.url
    celery_app.conf.task_default_queue = pool.queue
    celery_app.conf.task_always_eager = False
    forget_broker_connections()
    try:
        yield server, pool
    finally:
        pool.stop_all()
        server.stop()
        celery_app.conf.broker_url, celery_app.conf.task_default_queue = previous
        celery_app.conf.task_always_eager = True
        forget_broker_connections()


def test_learners_submit_while_the_broker_is_down_and_the_sweep_finishes_the_work(
    client, world, private_broker
):
    server, pool = private_broker
    server.stop()
    learner = world.users["learner"]
    client.force_login(learner)

    # Homework: saved, and the learner is told so.
    answers = answers_for(world.homework, correct=4)
    response = client.post(
        world.homework.get_absolute_url(), post_data(answers), follow=True
    )
    assert response.status_code == 200
    assert "Your answers are submitted." in response.content.decode()
    # Survey: saved.
    response = client.post(
        world.survey.get_absolute_url(),
        {"summary": "Attention lets each token look at every other token."},
        follow=True,
    )
    assert response.status_code == 200
    assert SurveyResponse.objects.get(user=learner).summary.startswith("Attention")
    # Competition entry: stored and queued, the learner sees it submitted.
    response = client.post(
        "/courses/llm/competition/upload/",
        {"file": csv_upload(perfect_rows())},
        follow=True,
    )
    assert response.status_code == 200
    entry = Entry.objects.filter(user=learner).latest("pk")
    assert entry.status == Entry.Status.QUEUED
    assert Submission.objects.filter(user=learner, score=None).count() == 1

    # Redis comes back; a worker starts; the periodic sweeps find the work.
    # They run here, in the process that saw Redis fail; beat runs them in
    # one that did not, which does not wait out REDIS_BREAKER_SECONDS first.
    server.start()
    pool.start()
    CircuitBreaker.reset_all()
    Entry.objects.filter(pk=entry.pk).update(
        enqueued_at=timezone.now() - timedelta(hours=1)
    )
    assert competition_services.entries_sweep()["resent"] >= 1
    wait_for(
        lambda: Entry.objects.get(pk=entry.pk).status == Entry.Status.SCORED,
        timeout=60,
    )
    assert Entry.objects.get(pk=entry.pk).public_score == 1.0

    from quizzes.homework.tasks import homework_grade_due

    Homework.objects.filter(pk=world.homework.pk).update(
        due_at=timezone.now() - timedelta(minutes=5),
        reveal_at=timezone.now() - timedelta(minutes=1),
    )
    assert homework_grade_due() == 1
    wait_for(lambda: Submission.objects.get(user=learner).score is not None, timeout=60)
    assert Submission.objects.get(user=learner).score == 4


def test_grading_survives_the_database_connection_dropping_mid_task(
    course, celery_worker
):
    """The worker's PostgreSQL connection is terminated while it grades: the
    task retries with backoff on a fresh connection and the grades come out
    exactly as an undisturbed run's."""
    from django.db import connection

    from quizzes.homework.services import homework_start_grading
    from quizzes.homework.tests.test_grading import (
        _expected_scores,
        _random_submissions,
        _scores,
    )

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    past = timezone.now() - timedelta(days=10)
    homework = make_homework(
        course.lectures.get(number=1), opens_at=past, due_at=past + timedelta(days=1)
    )
    _random_submissions(homework, learners=1500)
    celery_worker.stop_all()
    app_name = f"koza-grader-{celery_worker.queue}"
    celery_worker.start(extra_env={"HOMEWORK_GRADE_CHUNK": "3", "PGAPPNAME": app_name})
    job = homework_start_grading(homework=Homework.objects.get(pk=homework.pk))
    wait_for(lambda: Job.objects.get(pk=job.pk).done > 0, timeout=60, interval=0.02)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s",
            [app_name],
        )
        assert cursor.fetchall(), "the worker's connection was not found"
    assert Job.objects.get(pk=job.pk).done < Job.objects.get(pk=job.pk).total
    wait_for(lambda: Homework.objects.get(pk=homework.pk).is_graded, timeout=120)
    assert _scores(homework) == _expected_scores(homework)
    assert Job.objects.get(pk=job.pk).state == Job.State.DONE
    log = celery_worker.processes[-1].log_path.read_text()
    assert "Retry in" in log


def test_the_same_task_delivered_twice_does_its_work_once(
    course, learner, celery_worker, settings, tmp_path
):
    """A broker may deliver a message twice (a worker restart with acks_late):
    one score, one email, one grading result."""
    from competitions.models import Entry
    from competitions.tasks import entry_score_task
    from competitions.tests.conftest import load_answers, make_competition
    from courses.models import Enrollment, NoticeState
    from courses.tasks import decision_email_send
    from quizzes.homework.tasks import homework_grade

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    celery_worker.stop_all()
    worker = celery_worker.start(
        extra_env={"PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT)}
    )
    competition = make_competition(course)
    load_answers(competition)
    upload = csv_upload(perfect_rows())
    entry = Entry.objects.create(
        competition=competition,
        user=learner,
        original_name="p.csv",
        size=upload.size,
        file=upload,
    )
    enrollment = Enrollment.objects.get(user=learner, course=course)
    Enrollment.objects.filter(pk=enrollment.pk).update(notice_state=NoticeState.PENDING)
    past = timezone.now() - timedelta(days=10)
    homework = make_homework(
        course.lectures.get(number=2), opens_at=past, due_at=past + timedelta(days=1)
    )
    Submission.objects.create(homework=homework, user=learner, submitted_at=past)
    job = Job.objects.create(
        kind="homework_grade", course=course, params={"homework_id": homework.pk}
    )

    for _ in range(2):
        entry_score_task.apply_async(kwargs={"entry_id": entry.pk}, task_id="e")
        decision_email_send.apply_async(
            kwargs={"enrollment_id": enrollment.pk}, task_id="m"
        )
        homework_grade.apply_async(
            kwargs={"homework_id": homework.pk, "job_id": str(job.pk)}, task_id="g"
        )

    log = worker.log_path
    wait_for(lambda: log.read_text().count(" succeeded in ") >= 6, timeout=60)
    entry.refresh_from_db()
    assert (entry.status, entry.attempts, entry.public_score) == ("scored", 1, 1.0)
    assert log.read_text().count("Subject: ") == 1
    assert Enrollment.objects.get(pk=enrollment.pk).notice_state == NoticeState.SENT
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert job.result["graded"] == 1
    assert Submission.objects.get(homework=homework).score == 0


def test_a_certification_run_delivered_twice_issues_one_certificate_and_one_email(
    course, learner, celery_worker
):
    """The run and the email job it starts, delivered twice: one certificate,
    one serial number, one email."""
    from completion.models import Certificate, CompletionRule, CompletionTier
    from completion.tasks import certification_run

    tier = CompletionTier.objects.create(
        course=course, rank=1, name_ja="修了", name_en="Completed"
    )
    CompletionRule.objects.create(tier=tier, kind="homework_points", threshold=0)
    job = Job.objects.create(
        kind="certification", course=course, params={"dry_run": False}
    )

    for _ in range(2):
        certification_run.apply_async(
            kwargs={"job_id": str(job.pk), "course_id": course.pk, "dry_run": False},
            task_id="certification",
        )

    wait_for(
        lambda: Certificate.objects.filter(emailed_at__isnull=False).exists(),
        timeout=60,
    )
    log = celery_worker.processes[-1].log_path
    wait_for(lambda: log.read_text().count(" succeeded in ") >= 3, timeout=60)
    assert Certificate.objects.count() == 1
    assert Certificate.objects.get().enrollment.user == learner
    assert log.read_text().count(f"To: {learner.email}") == 1
