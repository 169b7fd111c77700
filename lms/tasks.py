import socket

from celery import shared_task
from django.utils import timezone

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
