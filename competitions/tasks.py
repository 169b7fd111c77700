"""Scoring tasks: thin wrappers around competitions.services.

Each takes ids, is safe to run twice (the entry is claimed with a conditional
UPDATE), is acknowledged late so a killed worker's message is delivered
again, and has time limits so a pathological file cannot hold a worker.
"""

from celery import shared_task

from competitions import services
from lms.jobs import resumes

# A re-score job whose chunk worker died scores its waiting entries again.
resumes(services.RESCORE_JOB)(services.rescore_resume)


@shared_task(
    acks_late=True, reject_on_worker_lost=True, soft_time_limit=120, time_limit=150
)
def entry_score_task(*, entry_id: int) -> str:
    return services.entry_score(entry_id=entry_id)


@shared_task(
    acks_late=True, reject_on_worker_lost=True, soft_time_limit=600, time_limit=660
)
def entry_score_chunk_task(
    *, job_id: str, competition_id: int, entry_ids: list[int]
) -> None:
    services.entry_score_chunk(
        job_id=job_id, competition_id=competition_id, entry_ids=entry_ids
    )


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def competition_sweep() -> dict:
    return services.entries_sweep()
