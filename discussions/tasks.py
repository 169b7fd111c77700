"""Thin tasks: ids in, `discussions.following` does the work. Each is safe
to run twice: a notification is recorded once per recipient (its dedupe
key), so a redelivered task tells nobody twice."""

from celery import shared_task
from django.utils import timezone

from discussions import following


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def answer_posted_notify(*, answer_id: int) -> int:
    """Enqueued after the commit of a new answer."""
    return following.answer_posted_notify(answer_id=answer_id)


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def answer_endorsed_notify(*, answer_id: int) -> int:
    """Enqueued after the commit of an endorsement."""
    return following.answer_endorsed_notify(answer_id=answer_id)


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def question_posted_notify(*, question_id: int) -> int:
    """Enqueued after a new question, and when staff make one public."""
    return following.question_posted_notify(question_id=question_id)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def qa_notify_sweep() -> int:
    """Beat, every few minutes. The database is the source of truth: posts
    of the last half hour are told again (a task lost with the broker;
    those already told are skipped by the dedupe key), and category
    followers hear of homework and competition questions whose spoiler
    guard has just lifted (answers revealed, competition closed)."""
    now = timezone.now()
    told = 0
    recent = following.posts_recently(now)
    for answer_id in recent["answers"]:
        told += following.answer_posted_notify(answer_id=answer_id, now=now)
    for answer_id in recent["endorsed"]:
        told += following.answer_endorsed_notify(answer_id=answer_id, now=now)
    for question_id in recent["questions"]:
        told += following.question_posted_notify(question_id=question_id, now=now)
    for question_id in following.questions_unguarded_recently(now).iterator():
        told += following.question_posted_notify(question_id=question_id, now=now)
    return told
