import socket

from celery import shared_task
from django.utils import timezone

from lms import jobs
from lms.models import Job


@shared_task(acks_late=True)
def job_worker_selftest(*, job_id: str) -> None:
    """Record which worker picked the job up: proves the web → broker →
    worker → database path end to end (`manage.py check_worker`)."""
    updated = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.DONE,
        done=1,
        total=1,
        finished_at=timezone.now(),
        result={"worker": socket.gethostname()},
    )
    if not updated:
        return  # already done: a redelivery changes nothing


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def jobs_resume() -> dict:
    """Beat, every minute: the one sweep for every kind of stuck job."""
    return jobs.jobs_resume_stale()


def email_job_step(job_id: str, *, send_chunk, next_task, finish=None) -> None:
    """One step of a chunked email Job, shared by every bulk email: start the
    job on its first step, send one chunk (`send_chunk(job=...)` claims its
    rows, so a redelivered step sends nothing twice), then enqueue the next
    step as its own task, or finish the job when nothing is left."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return  # a redelivery after the job finished changes nothing
    if job.state == Job.State.QUEUED:
        job.start()
    else:
        job.beat()
    if send_chunk(job=job):
        next_task.delay(job_id=job_id)
    elif finish is not None:
        finish(job=job)
    else:
        job.finish()
