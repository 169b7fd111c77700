"""Writes of the weekly survey: drafts, submissions, reviews, copy detection."""

import json
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from courses.models import Course
from lms.jobs import JobKind
from lms.models import Job
from notifications.models import Kind
from notifications.services import notify
from quizzes.surveys.models import (
    CopyPair,
    Survey,
    SurveyDraft,
    SurveyResponse,
    count_summary_chars,
)

COPY_JOB_KIND = JobKind("survey_copies")
COPY_WRITE_BATCH = 1000  # matches per INSERT


class SurveyClosed(Exception):
    """The survey does not accept answers now (not open yet, or past due)."""


def survey_accepting_late(*, survey: Survey, user, now: datetime) -> bool:
    """Whether an answer now is late; SurveyClosed when the user may not save
    or submit answers to this survey now (`Survey.objects.accepting`)."""
    late = (
        Survey.objects.accepting(user_id=user.pk, now=now)
        .filter(pk=survey.pk)
        .values_list("late", flat=True)
        .first()
    )
    if late is None:
        raise SurveyClosed
    return late


def survey_save_draft(
    *, survey: Survey, user, summary: str, answers: dict, now: datetime | None = None
) -> datetime:
    """Keep what the learner typed; restored on reload or another device.
    Returns when it was saved; SurveyClosed when the survey takes no answers.

    One upsert statement: autosave runs every second or so while thousands
    of learners type before the deadline."""
    now = now or timezone.now()
    survey_accepting_late(survey=survey, user=user, now=now)
    SurveyDraft.objects.bulk_create(
        [
            SurveyDraft(
                survey=survey,
                user=user,
                summary=summary,
                answers=answers,
                saved_at=now,
            )
        ],
        update_conflicts=True,
        unique_fields=["survey", "user"],
        update_fields=["summary", "answers", "saved_at"],
    )
    return now


# The resubmission rule, once, for every database: one upsert that keeps the
# first submission time, sends a changed summary back to review (the
# reviewer's comment stays, so the learner still sees what was asked) and
# keeps "late" once late. PostgreSQL drops the draft in the same statement;
# elsewhere (SQLite) a second statement in the same transaction does.
UPSERT_SQL = """
INSERT INTO {response} AS r (
    survey_id, user_id, summary, summary_chars, answers, submitted_at,
    updated_at, late, review_state, review_comment
)
VALUES (%(survey)s, %(user)s, %(summary)s, %(chars)s, %(answers)s{json_cast},
        %(now)s, %(now)s, %(late)s, %(pending)s, '')
ON CONFLICT (survey_id, user_id) DO UPDATE SET
    review_state = CASE WHEN r.summary <> excluded.summary
                        THEN excluded.review_state ELSE r.review_state END,
    summary = excluded.summary, summary_chars = excluded.summary_chars,
    answers = excluded.answers, updated_at = excluded.updated_at,
    late = r.late OR excluded.late
"""
DELETE_DRAFT_SQL = (
    "DELETE FROM {draft} WHERE survey_id = %(survey)s AND user_id = %(user)s"
)

# Table names come from the models; every value is bound.
SUBMIT_SQL_POSTGRESQL = (
    "WITH saved AS ("  # noqa: S608
    + UPSERT_SQL
    + " RETURNING r.id), drafts AS ("
    + DELETE_DRAFT_SQL
    + ") SELECT id FROM saved"
)


def survey_submit(
    *,
    survey: Survey,
    user,
    summary: str,
    answers: dict,
    now: datetime | None = None,
) -> None:
    """Create or replace the learner's one response (see UPSERT_SQL) and drop
    the draft: the response is now the latest text."""
    now = now or timezone.now()
    late = survey_accepting_late(survey=survey, user=user, now=now)
    tables = {
        "response": SurveyResponse._meta.db_table,
        "draft": SurveyDraft._meta.db_table,
    }
    postgresql = connection.vendor == "postgresql"
    params = {
        "survey": survey.pk,
        "user": user.pk,
        "summary": summary,
        "chars": count_summary_chars(summary),
        "answers": json.dumps(answers, cls=DjangoJSONEncoder),
        "now": connection.ops.adapt_datetimefield_value(now),
        "late": late,
        "pending": SurveyResponse.Review.PENDING.value,
    }
    if postgresql:
        statements = [SUBMIT_SQL_POSTGRESQL]
    else:
        statements = [UPSERT_SQL, DELETE_DRAFT_SQL]
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(
                statement.format(json_cast="::jsonb" if postgresql else "", **tables),
                params,
            )


def survey_review(
    *, response: SurveyResponse, state: str, comment: str, reviewer
) -> SurveyResponse:
    response.review_state = state
    response.review_comment = comment.strip()
    response.reviewed_by = reviewer
    response.reviewed_at = timezone.now()
    response.save(
        update_fields=["review_state", "review_comment", "reviewed_by", "reviewed_at"]
    )
    if state == SurveyResponse.Review.NEEDS_REVISION:
        survey = response.survey
        notify(
            [response.user_id],
            Kind.SUMMARY_NEEDS_REVISION,
            course=survey.lecture.course_id,
            url=survey.get_absolute_url(),
            params={"item": "survey", "number": survey.lecture.number},
            dedupe_key=f"revision:{response.pk}:{response.reviewed_at.isoformat()}",
        )
    return response


def survey_accept_many(*, survey: Survey, response_ids: list[int], reviewer) -> int:
    """Accept the chosen summaries of `survey` in one UPDATE (ids of another
    survey are ignored); how many were accepted. A comment already written
    stays for the learner to read."""
    return (
        SurveyResponse.objects.filter(survey=survey, pk__in=response_ids)
        .exclude(review_state=SurveyResponse.Review.ACCEPTED)
        .update(
            review_state=SurveyResponse.Review.ACCEPTED,
            reviewed_by=reviewer,
            reviewed_at=timezone.now(),
        )
    )


def survey_set_published(*, survey: Survey, published: bool) -> None:
    """Show the survey to learners (once its lecture is published and its
    window opens), or hide it again; answers already written stay."""
    Survey.objects.filter(pk=survey.pk).update(published=published)
    survey.published = published


def survey_set_only_accepted_count(*, course: Course, value: bool) -> None:
    from quizzes.surveys.models import SurveyCourseSettings

    SurveyCourseSettings.objects.update_or_create(
        course=course, defaults={"only_accepted_summaries_count": value}
    )


def survey_start_copy_detection(*, survey: Survey, user=None) -> Job:
    """Queue a copy-detection run unless one is already queued or running (a
    run whose task was lost or whose worker died is resumed by the job
    sweep, lms.jobs)."""
    from quizzes.surveys.tasks import survey_detect_copies

    with transaction.atomic():
        active = (
            Job.objects.select_for_update()
            .filter(
                kind=COPY_JOB_KIND,
                params__survey_id=survey.pk,
                state__in=[Job.State.QUEUED, Job.State.RUNNING],
            )
            .first()
        )
        if active is not None:
            return active
        job = Job.objects.create(
            kind=COPY_JOB_KIND,
            label=gettext("Copy detection: %(lecture)s") % {"lecture": survey.lecture},
            course=survey.lecture.course,
            created_by=user,
            params={"survey_id": survey.pk},
        )
        survey_detect_copies.delay_on_commit(survey_id=survey.pk, job_id=str(job.pk))
    return job


def survey_detect_copies_now(*, survey: Survey, job: Job | None = None) -> dict:
    """Find near-duplicate summaries and copies of the lecture description and
    replace the survey's CopyPair rows with them, in one transaction (safe to
    run twice). Matches are written in batches as they are found, so memory
    does not grow with their number; progress is a heartbeat for the job
    sweep, which takes the run over if its worker dies."""
    from quizzes.surveys.copydetect import iter_copies

    rows = list(
        SurveyResponse.objects.filter(survey=survey)
        .order_by("pk")
        .values_list("pk", "summary")
    )
    if job is not None:
        Job.objects.filter(pk=job.pk).update(done=0)  # a rerun starts over
        job.start(total=len(rows))
    ids = [pk for pk, _ in rows]
    texts = [text for _, text in rows]
    del rows
    now = timezone.now()
    stats: dict = {}
    counts = {CopyPair.Kind.PAIR: 0, CopyPair.Kind.DESCRIPTION: 0}
    batch: list[CopyPair] = []
    with transaction.atomic():
        CopyPair.objects.filter(survey=survey).delete()
        for match in iter_copies(
            texts,
            reference=survey.lecture.description,
            progress=job.progress_to if job is not None else None,
            stats=stats,
        ):
            pair = match.right is not None
            kind = CopyPair.Kind.PAIR if pair else CopyPair.Kind.DESCRIPTION
            counts[kind] += 1
            batch.append(
                CopyPair(
                    survey=survey,
                    kind=kind,
                    response_id=ids[match.left],
                    other_id=ids[match.right] if pair else None,
                    estimate=match.estimate,
                    similarity=match.similarity,
                    found_at=now,
                )
            )
            if len(batch) >= COPY_WRITE_BATCH:
                CopyPair.objects.bulk_create(batch)
                batch = []
        CopyPair.objects.bulk_create(batch)
        Survey.objects.filter(pk=survey.pk).update(copies_checked_at=now)
    summary = {
        "responses": len(ids),
        "pairs": counts[CopyPair.Kind.PAIR],
        "description_copies": counts[CopyPair.Kind.DESCRIPTION],
        "candidates": stats.get("candidates", 0),
    }
    if job is not None:
        job.finish(result=summary)
    return summary
