"""Background jobs: one registry of kinds, one sweep that resumes stuck jobs.

Every kind of `Job` is defined once, where its app starts it:

    DECISION_EMAILS = JobKind("decision_emails")       # courses/services.py

and the app says how to resume it, in its tasks module (imported by its
AppConfig.ready, so `lms` never imports an app):

    @resumes(services.DECISION_EMAILS)
    def _decision_emails_resume(job: Job) -> None:
        decision_emails_send.delay(job_id=str(job.pk))

A running job carries a heartbeat (`Job.heartbeat_at`, touched by `start()`,
`advance()` and `beat()`). One periodic task, `lms.tasks.jobs_resume`, takes
over a running job whose heartbeat stopped (its worker died: the broker would
redeliver the task only after its visibility timeout, an hour) and a queued
job whose task never started (the message was lost), by a conditional UPDATE
as healthchecks' `sendalerts` claims a check, so two beat processes never
both resume one job. A resume function must be safe to run while a copy of
the task still runs: every job task here claims its rows or recomputes.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import ngettext

from lms.models import Job, job_ended

logger = logging.getLogger(__name__)

Resume = Callable[[Job], object]
_KINDS: dict[str, "JobKind"] = {}


class JobKind(str):
    """The stored name of a kind of job (a `str`, so it filters and saves
    like one), registered once: a second definition of a name is an error."""

    resume: Resume | None

    def __new__(cls, name: str) -> "JobKind":
        if name in _KINDS:
            raise ImproperlyConfigured(f"job kind {name!r} is defined twice")
        kind = super().__new__(cls, name)
        kind.resume = None
        _KINDS[name] = kind
        return kind

    @classmethod
    def get(cls, name: str) -> "JobKind | None":
        return _KINDS.get(name)

    @classmethod
    def resumable(cls) -> list["JobKind"]:
        return [kind for kind in _KINDS.values() if kind.resume is not None]


def resumes(kind: JobKind) -> Callable[[Resume], Resume]:
    """Register the function the sweep calls with a stuck job of `kind`."""

    def register(function: Resume) -> Resume:
        if kind.resume is not None and kind.resume is not function:
            raise ImproperlyConfigured(f"job kind {kind!r} has two resume functions")
        kind.resume = function
        return function

    return register


# Koza's own kind: `manage.py check_worker`. Never resumed: it tests a worker.
SELFTEST = JobKind("selftest")


def stale_jobs(*, now: datetime | None = None):
    """Resumable jobs whose worker stopped (running, heartbeat too old) or
    whose task never started (queued too long)."""
    now = now or timezone.now()
    running_before = now - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)
    queued_before = now - timedelta(seconds=settings.JOB_QUEUED_TIMEOUT)
    return Job.objects.filter(kind__in=JobKind.resumable()).filter(
        Q(state=Job.State.RUNNING, heartbeat_at__lt=running_before)
        | Q(state=Job.State.QUEUED, heartbeat_at__lt=queued_before)
    )


def job_take_over(job: Job, *, now: datetime | None = None) -> str:
    """Claim one stale job, as read by `stale_jobs`; what became of it:

    - "resumed": claimed; its kind's resume function was called. A running
      job goes back to queued with one more attempt, so its new run starts
      it again (fresh heartbeat); a queued job is only sent again (a lost
      message is not the job's fault and costs no attempt).
    - "failed": its worker stopped on every one of `JOB_MAX_ATTEMPTS` runs.
    - "claimed elsewhere": another sweep (or the job itself) moved first.
    """
    now = now or timezone.now()
    as_read = Job.objects.filter(
        pk=job.pk, state=job.state, heartbeat_at=job.heartbeat_at
    )
    if job.state == Job.State.RUNNING:
        if job.attempts + 1 >= settings.JOB_MAX_ATTEMPTS:
            error = ngettext(
                "The worker stopped during its %(count)s attempt; "
                "the job was given up. Start it again once the cause is fixed.",
                "The worker stopped during every one of %(count)s attempts; "
                "the job was given up. Start it again once the cause is fixed.",
                job.attempts + 1,
            ) % {"count": job.attempts + 1}
            failed = as_read.update(
                state=Job.State.FAILED, finished_at=now, error=error
            )
            if not failed:
                return "claimed elsewhere"
            job.refresh_from_db()
            job_ended.send(sender=Job, job=job)
            return "failed"
        claimed = as_read.update(
            state=Job.State.QUEUED, heartbeat_at=now, attempts=F("attempts") + 1
        )
    else:
        claimed = as_read.update(heartbeat_at=now)
    if not claimed:
        return "claimed elsewhere"
    job.refresh_from_db()
    JobKind.get(job.kind).resume(job)
    return "resumed"


def jobs_resume_stale(*, now: datetime | None = None, limit: int = 200) -> dict:
    """The one resume sweep (beat, every minute): take over every stale job.
    One job's failing resume function does not stop the others; the job
    stays stale and is tried again on a later sweep."""
    report = {"resumed": 0, "failed": 0, "claimed elsewhere": 0}
    for job in stale_jobs(now=now).order_by("heartbeat_at")[:limit]:
        try:
            report[job_take_over(job, now=now)] += 1
        except Exception:
            logger.exception("could not resume job %s (%s)", job.pk, job.kind)
    return report
