"""Homework grading tasks: thin, idempotent, acknowledged late.

Each keeps the name it had as `quizzes.homework_tasks.*` (before homework
became an app of its own), so queued messages and beat entries still run."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from lms.jobs import resumes
from lms.models import Job
from quizzes.homework.models import Homework, ItemAnalysis, Submission
from quizzes.homework.services import (
    GRADE_JOB,
    homework_grade_all,
    homework_start_grading,
)

__all__ = ["homework_grade", "homework_grade_due"]


@shared_task(
    name="quizzes.homework_tasks.homework_grade",
    acks_late=True,
    soft_time_limit=600,
    time_limit=660,
    # A dropped database connection (failover, restart) is retried on a
    # fresh connection; each chunk is atomic, so a retry redoes only what
    # was not committed.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=120,
    max_retries=5,
)
def homework_grade(*, homework_id: int, job_id: str | None = None) -> dict:
    """Grade one homework. Safe to run twice or after a killed worker: the
    grading touches only scores that differ from the current key."""
    job = Job.objects.filter(pk=job_id).first() if job_id else None
    if job is not None and job.state == Job.State.DONE:
        return job.result
    try:
        return homework_grade_all(homework_id=homework_id, job=job)
    except (OperationalError, InterfaceError):
        raise  # retried; the job stays running
    except Exception as exc:
        if job is not None:
            job.fail(f"{type(exc).__name__}: {exc}")
        raise


@shared_task(
    name="quizzes.homework_tasks.homework_grade_due",
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
)
def homework_grade_due() -> int:
    """Every minute (beat): grade each homework whose reveal time has come and
    that has anything ungraded or graded with an old key, or no item
    analysis counted under its key (graded before grading kept one). This
    is both the "grade at reveal" trigger and the sweep for lost tasks."""
    now = timezone.now()
    stale = Submission.objects.filter(homework=OuterRef("pk")).filter(
        Q(score__isnull=True)
        | Q(graded_key_version__isnull=True)
        | ~Q(graded_key_version=OuterRef("key_version"))
    )
    counted = ItemAnalysis.objects.filter(
        homework=OuterRef("pk"), key_version=OuterRef("key_version")
    )
    # A grading job already queued or running is the job sweep's to resume
    # (lms.jobs) if its worker died; here only homework with no such job.
    running = {
        params.get("homework_id")
        for params in Job.objects.filter(
            kind=GRADE_JOB, state__in=[Job.State.QUEUED, Job.State.RUNNING]
        ).values_list("params", flat=True)
    }
    due = (
        Homework.objects.filter(published=True, reveal_at__lte=now)
        .filter(
            Q(graded_key_version__isnull=True)
            | ~Q(graded_key_version=F("key_version"))
            | Q(Exists(stale))
            | ~Q(Exists(counted))
        )
        .exclude(pk__in=running)
        .select_related("lecture__course")
    )
    count = 0
    for homework in due:
        homework_start_grading(homework=homework)
        count += 1
    return count


@resumes(GRADE_JOB)
def _grade_resume(job: Job) -> None:
    """The job sweep found a grading job whose worker died: run it again
    (grading is idempotent and restarts its count)."""
    homework_grade.delay(homework_id=job.params["homework_id"], job_id=str(job.pk))
