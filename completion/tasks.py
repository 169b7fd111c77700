"""Certification tasks: thin, idempotent, acknowledged late, so a worker
killed mid-run has its task delivered again and the re-run only writes what
is still missing (records are compared, certificates numbered under a lock)."""

from contextlib import suppress

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.utils.translation import gettext as _

from completion import services, totals
from courses.models import Course
from lms.jobs import resumes
from lms.models import Job
from lms.tasks import email_job_step

__all__ = [
    "certificate_emails_send",
    "certificate_emails_sweep",
    "certification_nightly",
    "certification_run",
    "dashboard_totals_refresh_due",
    "reminder_emails_send",
]


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=900,
    time_limit=960,
    # A dropped database connection (failover, restart) is retried on a
    # fresh connection, as grading is: records are compared and certificates
    # numbered under a lock, so a retry writes only what is still missing.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=120,
    max_retries=5,
)
def certification_run(self, *, job_id: str, course_id: int, dry_run: bool) -> dict:
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.state == Job.State.DONE:
        return job.result if job else {}
    course = Course.objects.get(pk=course_id)
    try:
        return services.certification_run_job(job=job, course=course, dry_run=dry_run)
    except (OperationalError, InterfaceError) as exc:
        if self.request.retries < self.max_retries:
            raise  # retried; the job stays running
        _fail_on_fresh_connection(job, exc)
        raise
    except Exception as exc:
        _fail_on_fresh_connection(job, exc)
        raise


def _fail_on_fresh_connection(job: Job, exc: Exception) -> None:
    """Mark the job failed, on a new connection: the one the run used may be
    the reason it failed (terminated by the server), and writing the failure
    through it would fail too and leave the job "running" until a sweep."""
    with suppress(DatabaseError):
        connection.close()
    job.fail(f"{type(exc).__name__}: {exc}")


@shared_task(acks_late=True, soft_time_limit=300, time_limit=330)
def dashboard_totals_refresh_due() -> list[int]:
    """Every DASHBOARD_TOTALS_SECONDS (beat): refresh the dashboard totals of
    the courses written to since their last refresh (completion.totals)."""
    return totals.dashboard_totals_refresh_due(stamp=services._inputs_stamp())


@shared_task(acks_late=True, soft_time_limit=3600, time_limit=3660)
def certification_nightly() -> int:
    """Every night (beat): recompute the records of running and finished
    courses so the dashboard and progress pages stay current. Certificates are
    issued only in courses where staff already recorded a certification (the
    course has certificates): until then the rules may still be changing."""
    count = 0
    for course in Course.objects.filter(
        state__in=[Course.State.RUNNING, Course.State.FINISHED],
        completion_tiers__isnull=False,
    ).distinct():
        job = Job.objects.create(
            kind=services.CERTIFICATION_JOB,
            label=str(_("Nightly certification")),
            course=course,
            params={"dry_run": False, "nightly": True},
        )
        services.certification_run_job(job=job, course=course, dry_run=False)
        count += 1
    return count


@shared_task(
    acks_late=True,
    soft_time_limit=240,
    time_limit=300,
    # The mail server dropped or refused a message (smtplib's errors are
    # OSErrors): that certificate is owed again and the step is retried.
    autoretry_for=(OSError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=6,
)
def certificate_emails_send(*, job_id: str) -> None:
    """One chunk of certificate emails, then the next chunk as its own task."""
    email_job_step(
        job_id,
        send_chunk=services.certificate_emails_send_chunk,
        next_task=certificate_emails_send,
        finish=services.certificate_emails_finish_if_done,
    )


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def certificate_emails_sweep() -> int:
    """Beat: every issued, valid certificate still owed its email and held by
    no live job gets a new email job (a job that failed or was lost)."""
    return services.certificate_emails_sweep()


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def reminder_emails_send(*, job_id: str) -> None:
    email_job_step(
        job_id,
        send_chunk=services.reminder_emails_send_chunk,
        next_task=reminder_emails_send,
    )


@resumes(services.CERTIFICATION_JOB)
def _certification_resume(job: Job) -> None:
    """A second run is harmless: records are compared, certificates numbered
    under a lock, and a restarted run counts its progress from zero."""
    certification_run.delay(
        job_id=str(job.pk),
        course_id=job.course_id,
        dry_run=job.params.get("dry_run", True),
    )


@resumes(services.CERTIFICATE_EMAIL_JOB)
def _certificate_emails_resume(job: Job) -> None:
    certificate_emails_send.delay(job_id=str(job.pk))


@resumes(services.REMINDER_EMAIL_JOB)
def _reminder_emails_resume(job: Job) -> None:
    reminder_emails_send.delay(job_id=str(job.pk))
