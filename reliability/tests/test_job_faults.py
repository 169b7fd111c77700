"""Faults in background jobs, with real PostgreSQL, Redis and worker
processes: a certification run loses its database connection, the mail
server drops mid-batch, a copy detection's worker dies, heavy jobs queue up,
a job's message is delivered to two workers at once."""

import socketserver
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from conftest import wait_for
from lms.models import Job

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


def _certifiable(course, user_factory, count):
    """`count` approved learners who all complete (a rule everyone meets)."""
    from completion.models import CompletionRule, CompletionTier
    from courses.models import Enrollment

    tier = CompletionTier.objects.create(
        course=course, rank=1, name_ja="修了", name_en="Completed"
    )
    CompletionRule.objects.create(tier=tier, kind="homework_points", threshold=0)
    users = [user_factory() for _ in range(count)]
    Enrollment.objects.bulk_create(
        [Enrollment(user=u, course=course, status="approved") for u in users]
    )
    return users


def test_certification_survives_the_database_connection_dropping_mid_run(
    course, user_factory, celery_worker
):
    """The worker's connection is terminated while records are written: the
    run retries with back-off on a fresh connection and finishes, every
    learner certified once, its progress at total of total."""
    from completion.models import Certificate, CompletionRecord
    from completion.services import certification_start

    _certifiable(course, user_factory, 30)
    celery_worker.stop_all()
    app_name = f"koza-certifier-{celery_worker.queue}"
    celery_worker.start(
        extra_env={
            "COMPLETION_WRITE_CHUNK": "5",
            "COMPLETION_CHUNK_DELAY": "0.3",
            "PGAPPNAME": app_name,
        }
    )
    job = certification_start(course=course, dry_run=False)
    wait_for(lambda: Job.objects.get(pk=job.pk).done > 0, timeout=60, interval=0.02)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s",
            [app_name],
        )
        assert cursor.fetchall(), "the worker's connection was not found"

    wait_for(lambda: Job.objects.get(pk=job.pk).is_finished, timeout=90)
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    assert (job.done, job.total) == (30, 30)
    assert CompletionRecord.objects.filter(course=course).count() == 30
    assert Certificate.objects.filter(course=course).count() == 30
    assert "Retry in" in celery_worker.processes[-1].log_path.read_text()


class DroppingSMTP(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib; the connection is dropped in the middle
    of the third message, once (the server's `dropped` event)."""

    def handle(self):
        server = self.server
        self.wfile.write(b"220 koza-test ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 koza-test\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go ahead\r\n")
                body = b"".join(iter(self.rfile.readline, b".\r\n"))
                with server.lock:
                    server.messages_seen += 1
                    drop = server.messages_seen == 3 and not server.dropped.is_set()
                    if drop:
                        server.dropped.set()
                    else:
                        server.accepted.append(body)
                if drop:
                    return  # connection closed before the message is accepted
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:  # MAIL, RCPT, RSET, NOOP
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def dropping_smtp():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), DroppingSMTP)
    server.daemon_threads = True
    server.lock = threading.Lock()
    server.messages_seen = 0
    server.accepted = []
    server.dropped = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_certificate_emails_survive_the_mail_server_dropping_mid_batch(
    course, user_factory, celery_worker, dropping_smtp
):
    """The SMTP connection drops on the third message: that certificate is
    owed again (not marked sent), the step retries with back-off, and every
    learner gets exactly one email."""
    from completion.models import Certificate
    from completion.services import CERTIFICATE_EMAIL_JOB, certification_start

    users = _certifiable(course, user_factory, 6)
    celery_worker.stop_all()
    celery_worker.start(
        extra_env={
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(dropping_smtp.server_address[1]),
            "EMAIL_USE_TLS": "false",
        }
    )
    certification_start(course=course, dry_run=False)

    wait_for(
        lambda: Certificate.objects.filter(email_state="sent").count() == 6,
        timeout=90,
    )
    assert dropping_smtp.dropped.is_set()
    recipients = sorted(
        line.split(b":", 1)[1].strip().decode()
        for body in dropping_smtp.accepted
        for line in body.splitlines()
        if line.startswith(b"To:")
    )
    assert recipients == sorted(u.email for u in users)
    job = wait_for(
        lambda: Job.objects.filter(
            kind=CERTIFICATE_EMAIL_JOB, state=Job.State.DONE
        ).first()
    )
    assert (job.done, job.total, job.result["unconfirmed"]) == (6, 6, 0)
    assert "Retry in" in celery_worker.processes[-1].log_path.read_text()


def _survey_with_summaries(course, user_factory, count):
    from courses.models import Enrollment
    from quizzes.surveys.models import Survey, SurveyResponse
    from quizzes.surveys.tests.summaries import generated_summaries
    from quizzes.surveys.tests.test_copydetect import lightly_edited

    survey = Survey.objects.create(
        lecture=course.lectures.get(number=1),
        due_at=timezone.now() - timedelta(hours=1),
        published=True,
    )
    texts = generated_summaries(count)
    texts[-1] = lightly_edited(texts[0])
    users = [user_factory() for _ in texts]
    Enrollment.objects.bulk_create(
        [Enrollment(user=u, course=course, status="approved") for u in users]
    )
    SurveyResponse.objects.bulk_create(
        [
            SurveyResponse(survey=survey, user=u, summary=t)
            for u, t in zip(users, texts, strict=True)
        ]
    )
    return survey


def test_a_copy_detection_whose_worker_died_is_taken_over_by_the_job_sweep(
    course, user_factory, celery_worker, django_capture_on_commit_callbacks
):
    """A run left RUNNING by a dead worker used to block its survey for good
    ("Run now" created nothing): the job sweep takes it over once its
    heartbeat is stale, and it finishes at total of total."""
    from lms.jobs import jobs_resume_stale
    from quizzes.surveys.models import CopyPair
    from quizzes.surveys.services import COPY_JOB_KIND, survey_start_copy_detection

    survey = _survey_with_summaries(course, user_factory, 200)
    long_ago = timezone.now() - timedelta(hours=1)
    dead = Job.objects.create(
        kind=COPY_JOB_KIND,
        course=course,
        state=Job.State.RUNNING,
        total=200,
        done=60,
        params={"survey_id": survey.pk},
        started_at=long_ago,
        heartbeat_at=long_ago,
    )
    assert survey_start_copy_detection(survey=survey).pk == dead.pk

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_resume_stale()["resumed"] == 1

    wait_for(lambda: Job.objects.get(pk=dead.pk).is_finished, timeout=60)
    dead.refresh_from_db()
    assert dead.state == Job.State.DONE, dead.error
    assert (dead.done, dead.total, dead.attempts) == (200, 200, 1)
    assert CopyPair.objects.filter(survey=survey, kind="pair").count() == 1


def test_heavy_jobs_wait_for_their_own_worker_while_grading_goes_on(
    course, user_factory, celery_worker
):
    """With only the default queue's worker running, copy detection is not
    taken by it (it would hold the slot grading needs); grading runs at
    once. The heavy queue's worker then takes the detection."""
    from quizzes.homework.models import Homework, Submission
    from quizzes.homework.services import homework_start_grading
    from quizzes.homework.tests.factories import make_homework
    from quizzes.surveys.services import survey_start_copy_detection

    survey = _survey_with_summaries(course, user_factory, 50)
    past = timezone.now() - timedelta(days=10)
    homework = make_homework(
        course.lectures.get(number=2), opens_at=past, due_at=past + timedelta(days=1)
    )
    Submission.objects.create(homework=homework, user=user_factory(), submitted_at=past)
    celery_worker.stop_all()
    celery_worker.start(queues=(celery_worker.queue,))

    copies = survey_start_copy_detection(survey=survey)
    grading = homework_start_grading(homework=Homework.objects.get(pk=homework.pk))
    wait_for(lambda: Job.objects.get(pk=grading.pk).state == Job.State.DONE)
    assert Job.objects.get(pk=copies.pk).state == Job.State.QUEUED

    celery_worker.start(queues=(celery_worker.heavy_queue,))
    wait_for(lambda: Job.objects.get(pk=copies.pk).state == Job.State.DONE)


def test_a_grading_message_taken_by_two_workers_counts_its_progress_once(
    course, celery_worker
):
    """The same grading job run by two workers at once (a redelivery while
    the first still runs): its progress never passes its total and ends at
    total of total; the grades equal an undisturbed run's."""
    from quizzes.homework.models import Homework
    from quizzes.homework.tasks import homework_grade
    from quizzes.homework.tests.factories import make_homework
    from quizzes.homework.tests.test_grading import (
        _expected_scores,
        _random_submissions,
        _scores,
    )

    past = timezone.now() - timedelta(days=10)
    homework = make_homework(
        course.lectures.get(number=1), opens_at=past, due_at=past + timedelta(days=1)
    )
    _random_submissions(homework, learners=800)
    celery_worker.stop_all()
    for _ in range(2):
        celery_worker.start(extra_env={"HOMEWORK_GRADE_CHUNK": "20"})
    job = Job.objects.create(
        kind="homework_grade", course=course, params={"homework_id": homework.pk}
    )

    for task_id in ("first", "redelivered"):
        homework_grade.apply_async(
            kwargs={"homework_id": homework.pk, "job_id": str(job.pk)},
            task_id=task_id,
        )
    seen = []

    def finished() -> bool:
        job.refresh_from_db()
        seen.append((job.done, job.total))
        return job.state == Job.State.DONE

    wait_for(finished, timeout=120, interval=0.02)
    assert all(done <= total for done, total in seen if total)
    assert (job.done, job.total) == (800, 800)
    assert Homework.objects.get(pk=homework.pk).is_graded
    assert _scores(homework) == _expected_scores(homework)
