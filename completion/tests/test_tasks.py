import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from completion.models import Certificate, CompletionRecord
from completion.services import (
    CERTIFICATE_EMAIL_JOB,
    CERTIFICATION_JOB,
    certificate_emails_start,
    certification_start,
)
from completion.tasks import (
    certificate_emails_send,
    certification_nightly,
)
from completion.tests.factories import course_work, homework_score, summary
from conftest import wait_for
from courses.models import Enrollment
from lms.jobs import jobs_resume_stale
from lms.models import Job


def _passing(course, weeks, user):
    for number in (1, 2, 3):
        homework_score(user, weeks[number], 5)
        summary(user, weeks[number])


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.mark.django_db
def test_a_dry_run_job_reports_and_records_nothing(
    client, course, tiers, learner, course_admin, django_capture_on_commit_callbacks
):
    weeks = course_work(course)
    _passing(course, weeks, learner)

    with django_capture_on_commit_callbacks(execute=True):
        job = certification_start(course=course, dry_run=True, by=course_admin)

    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert job.result["complete"] == 1
    assert job.result["flip_count"] == 1
    assert not CompletionRecord.objects.exists()
    client.force_login(course_admin)
    page = client.get(f"/staff/llm/completion/run/?job={job.pk}").content.decode()
    assert learner.email in page
    assert "Record and issue certificates" in page


@pytest.mark.django_db
def test_recording_issues_and_emails_each_certificate_once(
    client, course, tiers, learner, course_admin, django_capture_on_commit_callbacks
):
    weeks = course_work(course)
    _passing(course, weeks, learner)
    client.force_login(course_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/staff/llm/completion/run/start/", {"mode": "record", "confirmed": "1"}
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert certificate_emails_start(course=course) is None  # nothing owed
    job = Job.objects.get(kind=CERTIFICATE_EMAIL_JOB)
    certificate_emails_send(job_id=str(job.pk))  # a retried chunk

    certificate = Certificate.objects.get()
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[learner.email]]
    assert certificate.serial in mail.outbox[0].body
    assert certificate.emailed_at is not None
    page = client.get(response.url).content.decode()
    assert "1 of 1 learner complete." in page


@pytest.mark.django_db
def test_the_nightly_run_records_but_certifies_only_after_staff_did(
    course, tiers, learner, django_capture_on_commit_callbacks
):
    weeks = course_work(course)
    _passing(course, weeks, learner)

    with django_capture_on_commit_callbacks(execute=True):
        assert certification_nightly() == 1

    assert CompletionRecord.objects.get().outcome == "complete"
    assert not Certificate.objects.exists()


def _records():
    return sorted(
        CompletionRecord.objects.values_list("enrollment_id", "outcome", "tier_id")
    )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_run_whose_worker_died_is_resumed_once_by_two_sweeps_and_counts_true(
    course, tiers, user_factory, celery_worker
):
    """The worker dies mid-run; its heartbeat stops. Two beat processes sweep
    at once: one takes the run over, and its progress ends at the total."""
    for _ in range(30):
        Enrollment.objects.create(
            course=course, user=user_factory(), status=Enrollment.Status.APPROVED
        )
    celery_worker.stop_all()
    slow = celery_worker.start(
        extra_env={"COMPLETION_WRITE_CHUNK": "5", "COMPLETION_CHUNK_DELAY": "1"}
    )
    job = certification_start(course=course, dry_run=False)
    wait_for(lambda: Job.objects.get(pk=job.pk).done >= 5, timeout=60, interval=0.02)
    celery_worker.kill(slow)
    # Not stale yet: a live run is never taken over.
    assert jobs_resume_stale()["resumed"] == 0
    Job.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(minutes=5)
    )

    celery_worker.start()
    reports = []
    start = threading.Barrier(2)

    def sweep():
        start.wait()
        try:
            reports.append(jobs_resume_stale())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r["resumed"] for r in reports) == [0, 1]
    job = wait_for(
        lambda: Job.objects.filter(pk=job.pk, state=Job.State.DONE).first(),
        timeout=60,
    )
    assert (job.done, job.total, job.attempts) == (30, 30, 1)
    assert CompletionRecord.objects.count() == 30


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_is_resumed_with_the_same_records_and_serials(
    course, tiers, user_factory, celery_worker
):
    weeks = course_work(course)
    for index in range(40):
        user = user_factory()
        Enrollment.objects.create(
            course=course, user=user, status=Enrollment.Status.APPROVED
        )
        if index % 2:
            _passing(course, weeks, user)
    celery_worker.stop_all()
    slow = celery_worker.start(
        extra_env={"COMPLETION_WRITE_CHUNK": "5", "COMPLETION_CHUNK_DELAY": "1"}
    )
    job = certification_start(course=course, dry_run=False)
    wait_for(lambda: Job.objects.get(pk=job.pk).done >= 5, timeout=60, interval=0.02)
    celery_worker.kill(slow)
    assert Job.objects.get(pk=job.pk).state == Job.State.RUNNING
    assert 0 < CompletionRecord.objects.count() < 40

    celery_worker.start()
    Job.objects.filter(pk=job.pk).update(heartbeat_at=job.created_at.replace(year=2000))
    assert jobs_resume_stale()["resumed"] == 1
    wait_for(lambda: Job.objects.get(pk=job.pk).state == Job.State.DONE, timeout=60)
    first = _records()
    serials = list(Certificate.objects.values_list("serial", flat=True))

    again = certification_start(course=course, dry_run=False)
    wait_for(lambda: Job.objects.get(pk=again.pk).state == Job.State.DONE, timeout=60)

    assert len(first) == 40
    assert sum(1 for _, outcome, _ in first if outcome == "complete") == 20
    assert _records() == first
    assert len(serials) == len(set(serials)) == 20
    assert sorted(Certificate.objects.values_list("serial", flat=True)) == sorted(
        serials
    )
    assert Job.objects.get(pk=again.pk).result["changed"] == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (a real connection)"
)
def test_a_run_that_keeps_losing_its_connection_fails_on_a_fresh_one(
    course, monkeypatch
):
    """Its last retry spent, the run is marked failed through a new
    connection: the dead one would fail that write too and leave the job
    "running" until a sweep."""
    from django.db import OperationalError

    from completion import services
    from completion.tasks import certification_run

    def connection_lost(**kwargs):
        connection.connection.close()  # the server went away mid-run
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "certification_run_job", connection_lost)
    job = Job.objects.create(
        kind=services.CERTIFICATION_JOB, course=course, state=Job.State.RUNNING
    )

    with pytest.raises(OperationalError):
        certification_run.apply(
            kwargs={"job_id": str(job.pk), "course_id": course.pk, "dry_run": False},
            retries=certification_run.max_retries,
        )

    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "server closed the connection" in job.error


@pytest.mark.django_db(transaction=True)
def test_another_connection_sees_a_runs_progress_move_until_it_is_done(
    course, tiers, settings, enrollments
):
    """What the jobs page polls: Job.done read by another connection climbs
    while the run writes its records, chunk by chunk, and ends at the total."""
    from completion.services import certification_run_job

    enrollments(23)
    settings.COMPLETION_WRITE_CHUNK = 5
    settings.COMPLETION_CHUNK_DELAY = 0.3
    job = Job.objects.create(kind=CERTIFICATION_JOB, course=course, params={})

    def run():
        try:
            certification_run_job(
                job=Job.objects.get(pk=job.pk), course=course, dry_run=False
            )
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    seen = []
    while worker.is_alive():
        current = Job.objects.get(pk=job.pk)
        if current.state == Job.State.RUNNING and current.done not in seen:
            seen.append(current.done)
        threading.Event().wait(0.02)
    worker.join()

    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (Job.State.DONE, 23, 23)
    moving = [done for done in seen if 0 < done < 23]
    assert len(moving) >= 3, seen
    assert moving == sorted(moving)
    assert CompletionRecord.objects.filter(course=course).count() == 23
