"""Competition workflows: submitting, scoring, selecting, importing, publishing."""

import csv
import io
import logging
import math
import time
from collections.abc import Iterable
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, F, Max, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from competitions.metrics import AnswerKey, Problem, header_problems, score_file
from competitions.models import Answer, Competition, Entry, Participant
from competitions.selectors import leaderboard_invalidate
from lms.jobs import JobKind
from lms.models import Job
from notifications.models import Kind
from notifications.services import notify

logger = logging.getLogger(__name__)

RESCORE_CHUNK = 200
RESCORE_JOB = JobKind("competition_rescore")
REQUEUE_AFTER_SECONDS = 120


class Refused(Exception):
    """A learner's action that changes nothing, with the reason to show."""


# --- Answers -------------------------------------------------------------------


def answers_import(*, competition: Competition, handle: Iterable[str]) -> int:
    """Replace the hidden answers from a CSV with the header
    `id,answer,split` (split: public or private). Returns the row count."""
    reader = csv.DictReader(handle)
    if not {"id", "answer", "split"} <= set(reader.fieldnames or []):
        raise ValueError(_("The answer file needs the columns id, answer and split."))
    rows = []
    seen = set()
    for line, row in enumerate(reader, start=2):
        row_id = (row["id"] or "").strip()
        split = (row["split"] or "").strip().lower()
        if not row_id or row_id in seen or split not in {"public", "private"}:
            raise ValueError(
                _("Line %(line)s of the answer file is invalid.") % {"line": line}
            )
        if competition.metric in {"rmse", "mae", "roc_auc"}:
            try:
                value = float(row["answer"])
            except (TypeError, ValueError):
                value = math.nan
            if not math.isfinite(value) or (
                competition.metric == "roc_auc" and value not in {0.0, 1.0}
            ):
                raise ValueError(
                    _("Line %(line)s of the answer file is invalid.") % {"line": line}
                )
        seen.add(row_id)
        rows.append(
            Answer(
                competition=competition,
                row_id=row_id,
                answer=row["answer"],
                is_private=split == "private",
            )
        )
    with transaction.atomic():
        Answer.objects.filter(competition=competition).delete()
        Answer.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


_answer_keys: dict[int, tuple[tuple, AnswerKey]] = {}


def answer_key(competition: Competition) -> AnswerKey:
    """The competition's hidden answers, indexed for scoring.

    Kept in the worker process between tasks: at a deadline thousands of
    entries are scored against the same key. A cheap fingerprint (row count,
    highest id, metric and normalisation) notices a re-imported or changed key.
    """
    normalization = {
        "nfkc": competition.normalize_nfkc,
        "case": competition.normalize_case,
        "whitespace": competition.normalize_whitespace,
        "punctuation": competition.normalize_punctuation,
    }
    stats = Answer.objects.filter(competition=competition).aggregate(
        rows=Count("pk"), last=Max("pk")
    )
    fingerprint = (
        stats["rows"],
        stats["last"],
        competition.metric,
        tuple(normalization.values()),
    )
    cached = _answer_keys.get(competition.pk)
    if cached and cached[0] == fingerprint:
        return cached[1]
    key = AnswerKey.build(
        Answer.objects.filter(competition=competition)
        .order_by("pk")
        .values_list("row_id", "answer", "is_private")
        .iterator(chunk_size=10000),
        metric=competition.metric,
        normalization=normalization,
    )
    if len(_answer_keys) > 8:
        _answer_keys.clear()
    _answer_keys[competition.pk] = (fingerprint, key)
    return key


# --- Submitting ----------------------------------------------------------------


def participant_for(*, competition: Competition, user) -> Participant:
    participant, _created = Participant.objects.get_or_create(
        competition=competition, user=user
    )
    return participant


def submissions_used_today(*, competition: Competition, user) -> int:
    return _today(competition, user).filter(status__in=Entry.COUNTED).count()


def rejected_today(*, competition: Competition, user) -> int:
    return _today(competition, user).filter(status=Entry.Status.REJECTED).count()


def _today(competition: Competition, user):
    return Entry.objects.filter(
        competition=competition, user=user, submitted_at__gte=competition.day_start()
    )


def stored_bytes(*, competition: Competition, user) -> int:
    """What this learner's files of this competition take on disk (a
    rejected file's bytes are deleted, its row kept)."""
    total = (
        Entry.objects.filter(competition=competition, user=user)
        .exclude(file="")
        .aggregate(total=Sum("size"))["total"]
    )
    return total or 0


def entry_submit(*, competition: Competition, user, upload: UploadedFile) -> Entry:
    """Store an upload and queue it for scoring, or refuse it.

    Every upload counts: a queued or scored file uses one of the day's
    submissions, a rejected one one of the day's rejections
    (COMPETITION_REJECTED_PER_DAY). The first line is checked before
    anything is stored: a wrong header is recorded as a rejected entry with
    its message and no file. A learner's files have a storage cap
    (COMPETITION_STORAGE_PER_LEARNER_MB).

    The limits are checked before the file is copied (so a learner past
    them costs no disk) and again, with the insert, under a lock on the
    learner's participant row, so two tabs uploading at the same instant
    are counted one after the other and cannot both take the last slot.
    """
    competition.for_learner(user.pk)
    if not competition.is_open:
        raise Refused(_("The competition is not open for submissions."))
    if not competition.answers.exists():
        # Every file would be rejected for "unknown ids": say so instead.
        raise Refused(_("The competition is not ready yet; please try again later."))
    if upload.size > competition.max_upload_bytes:
        raise Refused(str(too_large_message(competition)))
    participant_for(competition=competition, user=user)
    entry = Entry(
        competition=competition,
        user=user,
        original_name=(upload.name or "submission").replace("\x00", "")[:255],
        size=upload.size,
    )
    problems = header_problems(
        _first_line(upload),
        file_format=competition.submission_format,
        id_column=competition.id_column,
        prediction_column=competition.prediction_column,
    )
    if problems:
        entry.status = Entry.Status.REJECTED
        entry.row_errors = problems
        entry.scored_at = timezone.now()
    _check_limits(entry)
    if not problems:
        # Copy the file to its place before taking the lock, so the lock is
        # held for a count and an insert only.
        try:
            entry.file.save("upload", upload, save=False)
        except OSError as exc:
            logger.exception("could not store a competition file")
            raise Refused(storage_failed_message()) from exc
    try:
        with transaction.atomic():
            Participant.objects.select_for_update().get(
                competition=competition, user=user
            )
            _check_limits(entry)
            entry.submitted_at = entry.enqueued_at = timezone.now()
            entry.save()
            if not problems:
                _enqueue(entry.pk)
    except BaseException:
        if entry.file:
            entry.file.delete(save=False)
        raise
    return entry


def storage_failed_message() -> str:
    """The disk is full or read-only: nothing was saved, and the learner is
    told so (lms/storage.py leaves no partial file behind)."""
    return _(
        "Your file could not be saved: the server cannot store files right "
        "now. Nothing was submitted and nothing counts towards today's "
        "limit. Please try again later."
    )


def _first_line(upload: UploadedFile) -> bytes:
    """The upload's first non-blank line (at most 64 KB), read in place."""
    upload.seek(0)
    line = b""
    for _attempt in range(16):
        line = upload.readline(64 * 1024)
        if line.strip() or not line:
            break
    upload.seek(0)
    return line


def _check_limits(entry: Entry) -> None:
    competition, user = entry.competition, entry.user
    used = submissions_used_today(competition=competition, user=user)
    if used >= competition.daily_limit:
        raise Refused(
            ngettext(
                "You have used your %(limit)s submission for today. "
                "Rejected files do not count; the count starts again at "
                "midnight (%(tz)s).",
                "You have used all %(limit)s submissions for today. "
                "Rejected files do not count; the count starts again at "
                "midnight (%(tz)s).",
                competition.daily_limit,
            )
            % {"limit": competition.daily_limit, "tz": competition.course.timezone}
        )
    rejected_limit = settings.COMPETITION_REJECTED_PER_DAY
    if rejected_today(competition=competition, user=user) >= rejected_limit:
        raise Refused(
            _(
                "%(limit)s of your files were rejected today: check the format "
                "against the starter files. You can upload again after midnight "
                "(%(tz)s)."
            )
            % {"limit": rejected_limit, "tz": competition.course.timezone}
        )
    if entry.status == Entry.Status.REJECTED:
        return  # refused on its header: nothing of it is stored
    cap = settings.COMPETITION_STORAGE_PER_LEARNER_MB * 1024 * 1024
    if stored_bytes(competition=competition, user=user) + entry.size > cap:
        raise Refused(
            _(
                "Your files for this competition would take more than the "
                "%(limit)s MB each learner may store. Ask the staff for help."
            )
            % {"limit": settings.COMPETITION_STORAGE_PER_LEARNER_MB}
        )


def too_large_message(competition: Competition) -> str:
    from competitions.metrics import describe

    return describe(
        Problem("too_large", params={"limit": competition.max_upload_mb}).as_json()
    )


def _enqueue(entry_id: int) -> None:
    from competitions.tasks import entry_score_task

    entry_score_task.delay_on_commit(entry_id=entry_id)


# --- Scoring -------------------------------------------------------------------


def entry_score(*, entry_id: int, key: AnswerKey | None = None) -> str:
    """Score one queued entry; safe to call twice, from any worker.

    The entry is claimed with a conditional UPDATE queued → scoring, so only
    one worker scores it; the result is written only while that claim still
    holds (same attempt), so a worker that was presumed dead and re-queued by
    the sweep cannot overwrite a later result. Returns the final status, or
    "skipped" when there was nothing to claim.
    """
    claimed = Entry.objects.filter(pk=entry_id, status=Entry.Status.QUEUED).update(
        status=Entry.Status.SCORING,
        scoring_started_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return "skipped"
    entry = Entry.objects.select_related("competition__course").get(pk=entry_id)
    competition = entry.competition
    if entry.attempts > settings.COMPETITION_MAX_ATTEMPTS:
        return _entry_finish(
            entry,
            status=Entry.Status.FAILED,
            reason=f"gave up after {entry.attempts - 1} attempts",
        )
    if settings.COMPETITION_SCORING_DELAY:
        time.sleep(settings.COMPETITION_SCORING_DELAY)
    try:
        key = key or answer_key(competition)
        with entry.file.open("rb") as handle:
            result = score_file(
                handle,
                key,
                file_format=competition.submission_format,
                id_column=competition.id_column,
                prediction_column=competition.prediction_column,
            )
    except SoftTimeLimitExceeded:
        return _entry_retry_or_fail(entry, "scoring took longer than the time limit")
    except Exception as exc:
        logger.exception("scoring entry %s failed", entry_id)
        return _entry_retry_or_fail(entry, f"{type(exc).__name__}: {exc}")
    if not result.ok:
        # The reasons stay on the entry; the file's bytes go (a refused file
        # must not fill the disk).
        status = _entry_finish(
            entry,
            status=Entry.Status.REJECTED,
            row_errors=result.problems_json(),
            file="",
        )
        if status == Entry.Status.REJECTED:
            name = entry.file.name
            transaction.on_commit(lambda: entry.file.storage.delete(name))
        return status
    fields = {}
    if not entry.imported:
        fields = {
            "public_score": result.public_score,
            "private_score": result.private_score,
        }
    return _entry_finish(entry, status=Entry.Status.SCORED, **fields)


def _entry_finish(entry: Entry, *, status: str, **fields) -> str:
    written = Entry.objects.filter(
        pk=entry.pk, status=Entry.Status.SCORING, attempts=entry.attempts
    ).update(
        status=status,
        scored_at=timezone.now(),
        reason=fields.pop("reason", ""),
        row_errors=fields.pop("row_errors", []),
        **fields,
    )
    if not written:
        return "skipped"
    transaction.on_commit(lambda: leaderboard_invalidate(entry.competition_id))
    if status in (Entry.Status.SCORED, Entry.Status.REJECTED):
        competition = entry.competition
        notify(
            [entry.user_id],
            Kind.ENTRY_SCORED if status == Entry.Status.SCORED else Kind.ENTRY_REFUSED,
            course=competition.course_id,
            url=competition.get_absolute_url(),
            params={"course": competition.course.title},
            dedupe_key=f"entry:{entry.pk}:{status}:{entry.attempts}",
        )
    return status


def _entry_retry_or_fail(entry: Entry, reason: str) -> str:
    if entry.attempts >= settings.COMPETITION_MAX_ATTEMPTS:
        return _entry_finish(entry, status=Entry.Status.FAILED, reason=reason)
    requeued = Entry.objects.filter(
        pk=entry.pk, status=Entry.Status.SCORING, attempts=entry.attempts
    ).update(status=Entry.Status.QUEUED, reason=reason, enqueued_at=timezone.now())
    if requeued:
        _enqueue(entry.pk)
    return Entry.Status.QUEUED


def entries_sweep() -> dict:
    """Nothing uploaded is ever lost: entries left in "scoring" by a worker
    that died go back to the queue (or fail, once out of attempts), and
    queued entries whose task never ran are sent again."""
    now = timezone.now()
    stuck_before = now - timedelta(seconds=settings.COMPETITION_SCORING_TIMEOUT)
    stuck = Entry.objects.filter(
        status=Entry.Status.SCORING, scoring_started_at__lt=stuck_before
    )
    failed = stuck.filter(attempts__gte=settings.COMPETITION_MAX_ATTEMPTS).update(
        status=Entry.Status.FAILED,
        reason="the worker stopped while scoring, on every attempt",
        scored_at=now,
    )
    requeued = stuck.update(
        status=Entry.Status.QUEUED,
        reason="the worker stopped while scoring; queued again",
        enqueued_at=now - timedelta(seconds=REQUEUE_AFTER_SECONDS + 1),
    )
    waiting = Entry.objects.filter(
        status=Entry.Status.QUEUED,
        enqueued_at__lt=now - timedelta(seconds=REQUEUE_AFTER_SECONDS),
    )
    ids = list(waiting.values_list("pk", flat=True)[:1000])
    Entry.objects.filter(pk__in=ids).update(enqueued_at=now)
    for entry_id in ids:
        _enqueue(entry_id)
    return {"failed": failed, "requeued": requeued, "resent": len(ids)}


# --- Re-scoring ------------------------------------------------------------------


def entry_rescore(*, entry: Entry) -> None:
    if not entry.file:
        raise Refused(_("This entry was rejected and its file deleted."))
    updated = (
        Entry.objects.filter(pk=entry.pk)
        .exclude(status=Entry.Status.SCORING)
        .update(status=Entry.Status.QUEUED, attempts=0, enqueued_at=timezone.now())
    )
    if updated:
        _enqueue(entry.pk)


def competition_rescore_all(*, competition: Competition, user) -> Job:
    """Queue every finished entry again (e.g. after the answers were fixed)
    and score them in chunks, with a progress bar."""
    entries = (
        Entry.objects.filter(competition=competition)
        .exclude(status__in=[Entry.Status.QUEUED, Entry.Status.SCORING])
        .exclude(file="")  # rejected: the reasons are kept, the file is not
    )
    ids = list(entries.values_list("pk", flat=True))
    # The job keeps its entries: its progress is read from them, and a
    # resumed job scores only those still waiting.
    job = Job.objects.create(
        kind=RESCORE_JOB,
        label=_("Re-score all entries"),
        course=competition.course,
        created_by=user,
        params={"competition_id": competition.pk, "entry_ids": ids},
    )
    # enqueued_at is set ahead so the sweep leaves these to the job's chunks.
    Entry.objects.filter(pk__in=ids).update(
        status=Entry.Status.QUEUED, attempts=0, enqueued_at=timezone.now()
    )
    job.start(total=len(ids))
    if not ids:
        job.finish(result={"entries": 0})
        return job
    _rescore_enqueue(job, ids)
    return job


def _rescore_enqueue(job: Job, ids: list[int]) -> None:
    from competitions.tasks import entry_score_chunk_task

    for start in range(0, len(ids), RESCORE_CHUNK):
        entry_score_chunk_task.delay_on_commit(
            job_id=str(job.pk),
            competition_id=job.params["competition_id"],
            entry_ids=ids[start : start + RESCORE_CHUNK],
        )


def _rescore_waiting(job: Job) -> QuerySet[Entry]:
    return Entry.objects.filter(
        pk__in=job.params.get("entry_ids", []),
        status__in=[Entry.Status.QUEUED, Entry.Status.SCORING],
    )


def _rescore_progress(job: Job) -> int:
    """Count the job's progress from its entries (so a redelivered chunk
    never counts twice) and finish it when none waits; how many still wait."""
    waiting = _rescore_waiting(job).count()
    job.progress_to(job.total - waiting)
    if not waiting:
        Job.objects.filter(
            pk=job.pk, state__in=[Job.State.QUEUED, Job.State.RUNNING]
        ).update(state=Job.State.DONE, finished_at=timezone.now())
    return waiting


def entry_score_chunk(*, job_id: str, competition_id: int, entry_ids: list[int]):
    """Score a chunk of a re-score job with one answer key load."""
    competition = Competition.objects.select_related("course").get(pk=competition_id)
    job = Job.objects.get(pk=job_id)
    if job.state == Job.State.QUEUED:
        job.start()  # resumed by the sweep after its worker stopped
    key = answer_key(competition)
    for entry_id in entry_ids:
        entry_score(entry_id=entry_id, key=key)
        job.beat()
    _rescore_progress(job)


def rescore_resume(job: Job) -> None:
    """The sweep's resume: score again the job's entries still queued (a
    chunk's worker died, or an entry went back to the queue for a retry);
    entries being scored are left to their own claim and the entry sweep."""
    if not _rescore_progress(job):
        return
    queued = _rescore_waiting(job).filter(status=Entry.Status.QUEUED)
    _rescore_enqueue(job, list(queued.values_list("pk", flat=True)))


# --- Final selection, nickname, report ------------------------------------------


def entry_select_final(*, entry: Entry, selected: bool) -> None:
    competition = entry.competition.for_learner(entry.user_id)
    if competition.is_closed:
        raise Refused(_("The competition has closed; final submissions are fixed."))
    if selected and entry.status != Entry.Status.SCORED:
        raise Refused(_("Only scored submissions can be selected."))
    with transaction.atomic():
        Participant.objects.select_for_update().get(
            competition=competition, user=entry.user
        )
        if selected:
            chosen = (
                Entry.objects.filter(
                    competition=competition, user=entry.user, selected_for_final=True
                )
                .exclude(pk=entry.pk)
                .count()
            )
            if chosen >= competition.max_final_selections:
                raise Refused(
                    _(
                        "You can select at most %(max)s final submissions; "
                        "unselect one first."
                    )
                    % {"max": competition.max_final_selections}
                )
        Entry.objects.filter(pk=entry.pk).update(selected_for_final=selected)
    transaction.on_commit(lambda: leaderboard_invalidate(competition.pk))


def participant_set_nickname(*, participant: Participant, nickname: str) -> None:
    participant.nickname = nickname.strip()[:40]
    participant.save(update_fields=["nickname"])
    leaderboard_invalidate(participant.competition_id)


def participant_upload_report(*, participant: Participant, upload: UploadedFile):
    competition = participant.competition.for_learner(participant.user_id)
    if not competition.report_open:
        raise Refused(_("The report deadline has passed."))
    if upload.size > competition.max_upload_bytes:
        raise Refused(str(too_large_message(competition)))
    head = upload.read(5)
    # PDF readers look for %%EOF in the last 1 KB: a truncated upload lacks it.
    upload.seek(max(0, upload.size - 1024))
    tail = upload.read()
    upload.seek(0)
    if head[:4] != b"%PDF" or b"%%EOF" not in tail:
        raise Refused(_("The report must be a PDF file."))
    old = participant.report.name
    try:
        participant.report.save("report.pdf", upload, save=False)
    except OSError as exc:
        logger.exception("could not store a competition report")
        raise Refused(
            _(
                "Your report could not be saved: the server cannot store files "
                "right now. Your earlier report, if any, is kept. Please try "
                "again later."
            )
        ) from exc
    participant.report_uploaded_at = timezone.now()
    participant.save(update_fields=["report", "report_uploaded_at"])
    if old:
        participant.report.storage.delete(old)


# --- Imported scores, publishing ------------------------------------------------


def scores_import(*, competition: Competition, handle: io.TextIOBase) -> dict:
    """Scores from an external judge: a CSV `entry,public_score,private_score`.

    Every line is checked before anything is written; a bad file changes
    nothing. Imported entries count as scored and keep their scores when
    re-scored.
    """
    reader = csv.DictReader(handle)
    if not {"entry", "public_score", "private_score"} <= set(reader.fieldnames or []):
        raise Refused(_("The header must be entry,public_score,private_score."))
    rows: dict[int, tuple[float | None, float | None]] = {}
    errors = []
    for line, row in enumerate(reader, start=2):
        try:
            entry_id = int(row["entry"])
            public = _optional_score(row["public_score"])
            private = _optional_score(row["private_score"])
        except (TypeError, ValueError):
            errors.append(line)
            continue
        rows[entry_id] = (public, private)
    known = set(
        Entry.objects.filter(competition=competition, pk__in=rows).values_list(
            "pk", flat=True
        )
    )
    unknown = sorted(set(rows) - known)
    if errors or unknown:
        raise Refused(
            _("Nothing was imported. Bad lines: %(lines)s. Unknown entries: %(ids)s.")
            % {
                "lines": ", ".join(map(str, errors[:20])) or "-",
                "ids": ", ".join(map(str, unknown[:20])) or "-",
            }
        )
    now = timezone.now()
    entries = list(Entry.objects.filter(pk__in=known))
    for entry in entries:
        entry.public_score, entry.private_score = rows[entry.pk]
        entry.imported = True
        entry.status = Entry.Status.SCORED
        entry.scored_at = now
        entry.reason = ""
        entry.row_errors = []
    with transaction.atomic():
        Entry.objects.bulk_update(
            entries,
            [
                "public_score",
                "private_score",
                "imported",
                "status",
                "scored_at",
                "reason",
                "row_errors",
            ],
            batch_size=1000,
        )
    transaction.on_commit(lambda: leaderboard_invalidate(competition.pk))
    return {"imported": len(entries)}


def _optional_score(text: str | None) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def competition_publish_private(*, competition: Competition) -> None:
    if not competition.is_closed:
        raise Refused(
            _("The private leaderboard can be published only after the close.")
        )
    if waiting := competition.extended_learners_open():
        raise Refused(
            ngettext(
                "%(count)d learner with an extension can still submit: the "
                "private leaderboard can be published once their time is up.",
                "%(count)d learners with an extension can still submit: the "
                "private leaderboard can be published once their time is up.",
                waiting,
            )
            % {"count": waiting}
        )
    Competition.objects.filter(pk=competition.pk, private_published_at=None).update(
        private_published_at=timezone.now()
    )
    leaderboard_invalidate(competition.pk)
