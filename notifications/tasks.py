"""Thin tasks: ids in, a service does the work. Every email is claimed in
the database before it is sent, so each task is safe to run twice."""

from celery import shared_task

from lms.jobs import resumes
from lms.models import Job
from lms.tasks import email_job_step
from notifications import services


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def notification_emails_send(*, job_id: str) -> None:
    """One chunk of a notify() call's emails, then the next chunk."""
    email_job_step(
        job_id,
        send_chunk=services.notification_emails_send_chunk,
        next_task=notification_emails_send,
    )


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def notification_digest_send(*, job_id: str) -> None:
    """One chunk of the daily digest's emails, then the next chunk."""
    email_job_step(
        job_id,
        send_chunk=services.digest_send_chunk,
        next_task=notification_digest_send,
    )


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def notification_digest_start() -> None:
    """Beat, daily: gather what waits for the digest into one job."""
    services.digest_job_start()


@resumes(services.NOTIFICATION_EMAIL_JOB)
def _notification_emails_resume(job: Job) -> None:
    notification_emails_send.delay(job_id=str(job.pk))


@resumes(services.DIGEST_EMAIL_JOB)
def _digest_resume(job: Job) -> None:
    notification_digest_send.delay(job_id=str(job.pk))
