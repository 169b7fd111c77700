"""Thin tasks: ids in, a service does the work. Safe to run twice: every
email is claimed in the database before it is sent."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from courses import services
from lms.models import Job
from lms.tasks import email_job_step

EMAIL_JOB_KINDS = [services.DECISION_EMAIL_JOB, services.ANNOUNCEMENT_EMAIL_JOB]


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def decision_email_send(*, enrollment_id: int) -> None:
    services.decision_email_send(enrollment_id=enrollment_id)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def decision_emails_send(*, job_id: str) -> None:
    """One chunk of a bulk decision's emails, then the next chunk."""
    email_job_step(
        job_id,
        send_chunk=services.decision_emails_send_chunk,
        next_task=decision_emails_send,
        finish=services.email_job_finish_if_done,
    )


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def announcement_emails_send(*, job_id: str) -> None:
    """One chunk of an announcement's emails, then the next chunk."""
    email_job_step(
        job_id,
        send_chunk=services.announcement_emails_send_chunk,
        next_task=announcement_emails_send,
        finish=services.email_job_finish_if_done,
    )


@shared_task(acks_late=True)
def email_jobs_resume() -> None:
    """The sweep: restart email jobs whose chain of chunk tasks was lost
    (broker down, worker killed). A second chain is harmless: chunks are
    claimed, never sent twice."""
    stale = timezone.now() - timedelta(minutes=5)
    jobs = Job.objects.filter(
        kind__in=EMAIL_JOB_KINDS,
        state__in=[Job.State.QUEUED, Job.State.RUNNING],
        created_at__lt=stale,
    ).values_list("pk", "kind")
    for job_id, kind in jobs:
        task = (
            decision_emails_send
            if kind == services.DECISION_EMAIL_JOB
            else announcement_emails_send
        )
        task.delay(job_id=str(job_id))
