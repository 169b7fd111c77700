"""The one resume sweep: a job whose worker stopped is taken over once, by
one sweep, and given up with a clear error when its worker keeps dying."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation

from lms.jobs import JobKind, job_take_over, jobs_resume_stale, resumes, stale_jobs
from lms.models import Job

resumed: list[str] = []
TEST_KIND = JobKind("test-resumable")


@resumes(TEST_KIND)
def _record(job: Job) -> None:
    resumed.append(str(job.pk))


@pytest.fixture(autouse=True)
def _no_resumes_yet():
    resumed.clear()


def _job(*, state=Job.State.RUNNING, seconds_ago=600, **fields) -> Job:
    return Job.objects.create(
        kind=TEST_KIND,
        state=state,
        heartbeat_at=timezone.now() - timedelta(seconds=seconds_ago),
        **fields,
    )


@pytest.mark.django_db
def test_a_running_job_whose_heartbeat_stopped_is_resumed_once():
    job = _job()

    assert jobs_resume_stale()["resumed"] == 1
    assert jobs_resume_stale()["resumed"] == 0

    assert resumed == [str(job.pk)]
    job.refresh_from_db()
    # Back in the queue: the resumed run starts it again with a heartbeat.
    assert (job.state, job.attempts) == (Job.State.QUEUED, 1)


@pytest.mark.django_db
def test_a_job_with_a_live_heartbeat_is_left_alone():
    job = _job(seconds_ago=10)
    job.advance(1)

    assert jobs_resume_stale()["resumed"] == 0
    assert resumed == []


@pytest.mark.django_db
def test_progress_is_a_heartbeat():
    job = _job()
    job.advance(3)
    assert not stale_jobs().filter(pk=job.pk).exists()


@pytest.mark.django_db
def test_a_queued_job_whose_task_was_lost_is_sent_again_at_no_attempt_cost():
    job = _job(state=Job.State.QUEUED, seconds_ago=3600, attempts=2)

    assert jobs_resume_stale()["resumed"] == 1

    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.QUEUED, 2)
    assert resumed == [str(job.pk)]


@pytest.mark.django_db
def test_a_queued_job_is_given_time_to_reach_a_worker(settings):
    settings.JOB_QUEUED_TIMEOUT = 300
    _job(state=Job.State.QUEUED, seconds_ago=200)
    assert jobs_resume_stale()["resumed"] == 0


@pytest.mark.django_db
def test_two_sweeps_that_read_the_same_stale_job_claim_it_once():
    _job()
    first, second = list(stale_jobs()), list(stale_jobs())

    outcomes = [job_take_over(first[0]), job_take_over(second[0])]

    assert outcomes == ["resumed", "claimed elsewhere"]
    assert len(resumed) == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_resume_a_stale_job_once():
    """Two beat processes (here two threads, two connections) at once."""
    from django.db import connection

    jobs = [_job() for _ in range(20)]
    start = threading.Barrier(2)
    reports = []

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

    assert sorted(resumed) == sorted(str(job.pk) for job in jobs)
    assert sum(report["resumed"] for report in reports) == len(jobs)
    assert set(Job.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db
def test_a_job_whose_worker_keeps_dying_is_failed_with_a_clear_error(settings):
    settings.JOB_MAX_ATTEMPTS = 3
    job = _job(attempts=2)  # the third run's worker died too

    with translation.override("en"):
        assert jobs_resume_stale()["failed"] == 1

    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.finished_at is not None
    assert "3 attempts" in job.error
    assert resumed == []


@pytest.mark.django_db
def test_a_finished_job_is_never_resumed():
    _job(state=Job.State.DONE)
    _job(state=Job.State.FAILED)
    assert jobs_resume_stale()["resumed"] == 0


@pytest.mark.django_db
def test_a_kind_without_a_resume_function_is_left_to_its_own_sweep():
    Job.objects.create(
        kind=JobKind("test-not-resumable"),
        state=Job.State.RUNNING,
        heartbeat_at=timezone.now() - timedelta(days=1),
    )
    assert jobs_resume_stale()["resumed"] == 0


def test_a_kind_is_defined_once():
    with pytest.raises(ImproperlyConfigured):
        JobKind("test-resumable")


def test_every_app_registers_how_its_jobs_resume():
    from competitions import services as competitions
    from completion import services as completion
    from courses import services as courses

    for kind in [
        courses.DECISION_EMAIL_JOB,
        courses.ANNOUNCEMENT_EMAIL_JOB,
        completion.CERTIFICATION_JOB,
        completion.CERTIFICATE_EMAIL_JOB,
        completion.REMINDER_EMAIL_JOB,
        competitions.RESCORE_JOB,
    ]:
        assert kind in JobKind.resumable(), kind


@pytest.mark.django_db
def test_progress_never_passes_the_total_nor_goes_back():
    job = _job(total=4000)
    job.progress_to(3000)
    job.progress_to(5000)  # a redelivered chunk counted what was done
    job.refresh_from_db()
    assert job.done == 4000
    job.progress_to(1000)
    job.advance(10)
    job.refresh_from_db()
    assert job.done == 4000


@pytest.mark.django_db
def test_a_finished_job_reads_total_of_total():
    job = _job(total=1669)
    job.progress_to(1435)
    job.finish(result={})
    assert (job.done, job.total, job.percent) == (1669, 1669, 100)
