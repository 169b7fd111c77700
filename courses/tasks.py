"""Thin tasks: ids in, a service does the work. Safe to run twice: every
email is claimed in the database before it is sent."""

from celery import shared_task

from courses import reminders, services
from lms.jobs import resumes
from lms.models import Job
from lms.tasks import email_job_step


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def decision_email_send(*, enrollment_id: int) -> None:
    services.decision_email_send(enrollment_id=enrollment_id)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def course_invitation_send(*, invitation_id: int) -> None:
    services.course_invitation_send(invitation_id=invitation_id)


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


@resumes(services.DECISION_EMAIL_JOB)
def _decision_emails_resume(job: Job) -> None:
    """A second chain is harmless: each email is claimed before it is sent."""
    decision_emails_send.delay(job_id=str(job.pk))


@resumes(services.ANNOUNCEMENT_EMAIL_JOB)
def _announcement_emails_resume(job: Job) -> None:
    announcement_emails_send.delay(job_id=str(job.pk))


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def deadline_reminders_send() -> int:
    """Beat: remind learners whose reminder time has come. Safe to run
    twice or in two beat processes at once: each reminder is recorded once
    (see courses.reminders)."""
    return reminders.reminders_send_due()
