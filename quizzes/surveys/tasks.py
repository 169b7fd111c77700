"""Background work of the weekly survey: copy detection after the due time.

Each task keeps the name it had as `quizzes.survey_tasks.*` (before surveys
became an app of its own), so queued messages and beat entries still run."""

from celery import shared_task
from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from lms.jobs import resumes
from lms.models import Job
from quizzes.surveys.models import Survey, SurveyResponse
from quizzes.surveys.services import (
    COPY_JOB_KIND,
    survey_detect_copies_now,
    survey_start_copy_detection,
)

__all__ = ["survey_detect_copies", "survey_detect_copies_due"]


@shared_task(
    name="quizzes.survey_tasks.survey_detect_copies",
    acks_late=True,
    soft_time_limit=600,
    time_limit=660,
)
def survey_detect_copies(*, survey_id: int, job_id: str) -> None:
    """Run one copy detection. Safe to run twice: results replace the
    previous ones in one transaction, and a finished job is not redone."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.state == Job.State.DONE:
        return
    survey = Survey.objects.select_related("lecture").filter(pk=survey_id).first()
    if survey is None:
        job.fail("survey not found")
        return
    try:
        survey_detect_copies_now(survey=survey, job=job)
    except Exception as exc:
        job.fail(f"{type(exc).__name__}: {exc}")
        raise


@shared_task(name="quizzes.survey_tasks.survey_detect_copies_due", acks_late=True)
def survey_detect_copies_due() -> int:
    """Beat: every survey past its due time whose copies were not checked
    since (late answers or edits count as changes) gets a detection run."""
    now = timezone.now()
    changed_since_check = Exists(
        SurveyResponse.objects.filter(
            survey=OuterRef("pk"), updated_at__gt=OuterRef("copies_checked_at")
        )
    )
    surveys = (
        Survey.objects.filter(due_at__lte=now)
        .filter(Q(copies_checked_at__isnull=True) | Q(changed_since_check))
        .annotate(last_change=Max("responses__updated_at"))
        .filter(last_change__isnull=False)
        .select_related("lecture__course")
    )
    started = 0
    for survey in surveys:
        if _failed_since(survey, survey.last_change) >= settings.JOB_MAX_ATTEMPTS:
            continue  # given up until the summaries change or staff run it
        survey_start_copy_detection(survey=survey)
        started += 1
    return started


def _failed_since(survey: Survey, changed_at) -> int:
    """Copy-detection runs of the survey that failed (time limit, error,
    worker lost on every attempt) on the summaries as they now stand: the
    sweep stops starting new ones after JOB_MAX_ATTEMPTS, instead of one
    every 15 minutes for good."""
    return Job.objects.filter(
        kind=COPY_JOB_KIND,
        params__survey_id=survey.pk,
        state=Job.State.FAILED,
        created_at__gt=changed_at,
    ).count()


@resumes(COPY_JOB_KIND)
def _copies_resume(job: Job) -> None:
    """The job sweep found a copy-detection job whose task was lost or whose
    worker died: run it again (it replaces its results in one transaction)."""
    survey_detect_copies.delay(survey_id=job.params["survey_id"], job_id=str(job.pk))
