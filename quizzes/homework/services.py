"""Homework writes: publishing, drafts, submissions and set-based grading."""

import enum
import functools
import hashlib
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms.jobs import JobKind
from lms.models import Job
from notifications.models import Kind
from notifications.services import notify
from quizzes.homework.models import (
    Choice,
    DraftAnswer,
    Homework,
    HomeworkDefaults,
    ItemAnalysis,
    Question,
    Submission,
    SubmissionAnswer,
    revealed_to_learner_q,
)
from quizzes.homework.selectors import homework_item_tally

GRADE_JOB = JobKind("homework_grade")


class HomeworkClosed(Exception):
    """The homework does not accept answers now (not open yet, or closed)."""


def homework_shape_errors(*, homework: Homework) -> list[str]:
    """Why this homework cannot be published; each message names the question."""
    expected_questions, expected_choices = homework.shape()
    questions = list(homework.questions.prefetch_related("choices"))
    errors = []
    if len(questions) != expected_questions:
        errors.append(
            ngettext(
                "The homework has %(count)d question; it needs %(expected)d.",
                "The homework has %(count)d questions; it needs %(expected)d.",
                len(questions),
            )
            % {"count": len(questions), "expected": expected_questions}
        )
    for number, question in enumerate(questions, start=1):
        choices = list(question.choices.all())
        correct = sum(1 for choice in choices if choice.is_correct)
        label = _("Question %(number)d (%(title)s)") % {
            "number": number,
            "title": str(question)[:40],
        }
        if len(choices) != expected_choices:
            errors.append(
                ngettext(
                    "%(question)s has %(count)d choice; it needs %(expected)d.",
                    "%(question)s has %(count)d choices; it needs %(expected)d.",
                    len(choices),
                )
                % {
                    "question": label,
                    "count": len(choices),
                    "expected": expected_choices,
                }
            )
        if correct != 1:
            errors.append(
                ngettext(
                    "%(question)s has %(count)d correct choice; it needs exactly one.",
                    "%(question)s has %(count)d correct choices; it needs exactly one.",
                    correct,
                )
                % {"question": label, "count": correct}
            )
    return errors


def homework_publish(*, homework: Homework) -> None:
    """Publish, or refuse with messages that say which question is wrong."""
    errors = homework_shape_errors(homework=homework)
    if errors:
        raise ValidationError(errors)
    homework_sync_key_version(homework=homework)
    Homework.objects.filter(pk=homework.pk).update(published=True)
    homework.published = True


def _key_fingerprint(homework_id: int) -> str:
    rows = Choice.objects.filter(question__homework_id=homework_id).values_list(
        "question_id", "id", "is_correct"
    )
    text = ";".join(f"{q}:{c}:{int(ok)}" for q, c, ok in sorted(rows))
    return hashlib.sha256(text.encode()).hexdigest()


def homework_sync_key_version(*, homework: Homework) -> bool:
    """Bump the key version when the answer key changed (a correct choice moved,
    a question or choice came or went), so grading knows to regrade."""
    fingerprint = _key_fingerprint(homework.pk)
    if fingerprint == homework.key_fingerprint:
        return False
    changed = bool(homework.key_fingerprint)
    fields = {"key_fingerprint": fingerprint}
    if changed:
        fields["key_version"] = F("key_version") + 1
    Homework.objects.filter(pk=homework.pk).update(**fields)
    homework.refresh_from_db(fields=["key_fingerprint", "key_version"])
    return changed


def parse_posted_answers(data) -> dict[int, int] | None:
    """{question id: choice id} from the form fields `q-<question id>` = choice
    id, or None when the form is malformed: a name or value that is not a
    plain id as the page writes it (`q-036`, `q-+36`, `q-36 `), or a question
    posted twice. An empty value is an unanswered question. Both submit paths
    read answers through this, so they see the same answers."""
    answers: dict[int, int] = {}
    for name in data:
        if not name.startswith("q-"):
            continue
        values = data.getlist(name) if hasattr(data, "getlist") else [data[name]]
        if len(values) != 1:
            return None
        raw_question, raw_choice = name[2:], values[0]
        if raw_choice == "":
            continue
        if not (_is_plain_id(raw_question) and _is_plain_id(raw_choice)):
            return None
        answers[int(raw_question)] = int(raw_choice)
    return answers


def _is_plain_id(text: str) -> bool:
    return (
        text.isascii()
        and text.isdigit()
        and not text.startswith("0")
        and int(text) < 2**63
    )


def homework_parse_answers(
    *, homework: Homework, data, require_all: bool
) -> tuple[dict[int, int], list[str]]:
    """The posted answers checked against this homework: every answer a
    choice of its own question of this homework (anything else refuses the
    whole form: nothing of it is saved), and with `require_all`, every
    question answered."""
    posted = parse_posted_answers(data)
    if posted is None:
        return {}, [_("The form is not valid: reload the page. Nothing was saved.")]
    valid: dict[int, set[int]] = {}  # in question order: one query
    for question_id, choice_id in (
        Choice.objects.filter(question__homework=homework)
        .order_by("question__position", "question_id")
        .values_list("question_id", "id")
    ):
        valid.setdefault(question_id, set()).add(choice_id)
    if any(
        choice_id not in valid.get(question_id, ())
        for question_id, choice_id in posted.items()
    ):
        return {}, [_("An answer does not belong to its question: nothing saved.")]
    missing = [
        str(number)
        for number, question_id in enumerate(valid, start=1)
        if question_id not in posted
    ]
    errors: list[str] = []
    if require_all and missing:
        errors.append(
            _("Answer every question before submitting (missing: %(numbers)s).")
            % {"numbers": ", ".join(missing)}
        )
    return posted, errors


def _accepting_late(*, homework: Homework, user, now: datetime) -> bool:
    """Whether an answer now is late; HomeworkClosed when the user may not
    answer this homework now (`Homework.objects.accepting`, the one rule)."""
    late = (
        Homework.objects.accepting(user_id=user.pk, now=now)
        .filter(pk=homework.pk)
        .values_list("late", flat=True)
        .first()
    )
    if late is None:
        raise HomeworkClosed
    return late


def homework_save_draft(
    *, homework: Homework, user, answers: dict[int, int], now: datetime | None = None
) -> None:
    """Upsert the clicked answers: one statement, safe under concurrent clicks."""
    now = now or timezone.now()
    _accepting_late(homework=homework, user=user, now=now)
    DraftAnswer.objects.bulk_create(
        [
            DraftAnswer(
                homework=homework,
                user=user,
                question_id=question_id,
                choice_id=choice_id,
                saved_at=now,
            )
            for question_id, choice_id in answers.items()
        ],
        update_conflicts=True,
        unique_fields=["homework", "user", "question"],
        update_fields=["choice", "saved_at"],
    )


def homework_submit(
    *,
    homework: Homework,
    user,
    answers: dict[int, int],
    token: uuid.UUID,
    now: datetime | None = None,
) -> tuple[Submission, bool]:
    """Record the learner's answers; returns (submission, created_or_changed).

    The learner's submission row is locked (SELECT ... FOR UPDATE), so two
    tabs replace the answers one after the other and never mix. The same form
    token twice (a double click, a retried request) changes nothing.
    `now` is taken once, by the server, before anything else."""
    now = now or timezone.now()
    late = _accepting_late(homework=homework, user=user, now=now)
    with transaction.atomic():
        mine = Submission.objects.select_for_update().filter(
            homework=homework, user=user
        )
        submission, created = mine.first(), False
        if submission is None:
            try:
                with transaction.atomic():
                    submission = Submission.objects.create(
                        homework=homework,
                        user=user,
                        submitted_at=now,
                        is_late=late,
                        token=token,
                    )
                created = True
            except IntegrityError:  # another request created it first: wait
                submission = mine.get()
        if not created and submission.token == token:
            return submission, False
        if not created:  # a new row has no answers and is already up to date
            SubmissionAnswer.objects.filter(submission=submission).delete()
        SubmissionAnswer.objects.bulk_create(
            [
                SubmissionAnswer(
                    submission=submission, question_id=question_id, choice_id=choice_id
                )
                for question_id, choice_id in answers.items()
            ]
        )
        if not created:
            submission.token = token
            submission.submitted_at = now
            submission.is_late = late
            submission.revision += 1
            submission.score = None
            submission.graded_at = None
            submission.graded_key_version = None
            submission.save()
        DraftAnswer.objects.filter(homework=homework, user=user).delete()
        # The homework has an ungraded submission again (staff may have graded
        # early); the sweep regrades it after reveal.
        Homework.objects.filter(
            pk=homework.pk, graded_key_version__isnull=False
        ).update(graded_key_version=None)
    return submission, True


class Direct(enum.Enum):
    """What `homework_submit_direct` did."""

    SUBMITTED = "submitted"  # stored (new answers, or replaced ones)
    SAVED = "saved"  # a draft stored
    REPEATED = "repeated"  # the same form token again: nothing to do
    DECLINED = "declined"  # not for this path: the full path decides and says why


# The writes every learner makes at a deadline (drafts, then the submit) are
# one statement each on PostgreSQL. Who may answer which homework when is
# not written here: `accepting` is `Homework.objects.accepting()` compiled to
# SQL (the rule the full path runs as a query). The statement adds only what
# is about the posted answers (every answer a choice of its own question of
# this homework; for a submit, every question answered) so nothing cached can
# let a wrong answer in; if any check fails it writes nothing and the view
# falls back to the full path, which gives the reason on the page.
# `open_homework` finds the homework, or no row.
_OPEN_HOMEWORK = """
WITH answer AS (
    SELECT * FROM unnest(%(questions)s::bigint[], %(choices)s::bigint[])
        AS a(question_id, choice_id)
), accepting AS (
    {accepting}
), open_homework AS (
    SELECT h.id, h.late, h.tz FROM accepting h
    WHERE (
        SELECT count(*) FROM answer a
        JOIN {question} q ON q.id = a.question_id AND q.homework_id = h.id
        JOIN {choice} ch ON ch.id = a.choice_id AND ch.question_id = q.id
      ) = cardinality(%(questions)s::bigint[])
      {every_question}
)"""

_EVERY_QUESTION = """AND (SELECT count(*) FROM {question} q WHERE q.homework_id = h.id)
          = cardinality(%(questions)s::bigint[])"""

# The submit writes the rows `homework_submit` writes: the submission
# upserted on (homework, user), its row lock ordering two tabs; the same
# token again matches no row; answers upserted per question (every question
# is answered, so this replaces them all); drafts deleted; the homework
# marked ungraded.
DIRECT_SUBMIT_SQL = (
    _OPEN_HOMEWORK  # noqa: S608 - table names from the models; values are bound
    + """, sub AS (
    INSERT INTO {submission} AS s (
        homework_id, user_id, submitted_at, is_late, revision, token,
        score, graded_at, graded_key_version
    )
    SELECT hw.id, %(user)s, %(now)s, hw.late, 1, %(token)s, NULL, NULL, NULL
    FROM open_homework hw
    ON CONFLICT (homework_id, user_id) DO UPDATE SET
        submitted_at = EXCLUDED.submitted_at, is_late = EXCLUDED.is_late,
        revision = s.revision + 1, token = EXCLUDED.token,
        score = NULL, graded_at = NULL, graded_key_version = NULL
    WHERE s.token <> EXCLUDED.token
    RETURNING s.id
), answers AS (
    INSERT INTO {answer} (submission_id, question_id, choice_id)
    SELECT sub.id, a.question_id, a.choice_id FROM sub, answer a
    ON CONFLICT (submission_id, question_id)
    DO UPDATE SET choice_id = EXCLUDED.choice_id
), drafts AS (
    DELETE FROM {draft} d USING sub, open_homework hw
    WHERE d.homework_id = hw.id AND d.user_id = %(user)s
), ungraded AS (
    UPDATE {homework} h SET graded_key_version = NULL
    FROM sub, open_homework hw
    WHERE h.id = hw.id AND h.graded_key_version IS NOT NULL
)
SELECT (SELECT count(*) FROM open_homework), (SELECT count(*) FROM sub)
"""
)

# A draft: the clicked answers upserted, as `homework_save_draft` does.
DIRECT_DRAFT_SQL = (
    _OPEN_HOMEWORK  # noqa: S608 - table names from the models; values are bound
    + """, saved AS (
    INSERT INTO {draft} (homework_id, user_id, question_id, choice_id, saved_at)
    SELECT hw.id, %(user)s, a.question_id, a.choice_id, %(now)s
    FROM open_homework hw, answer a
    ON CONFLICT (homework_id, user_id, question_id)
    DO UPDATE SET choice_id = EXCLUDED.choice_id, saved_at = EXCLUDED.saved_at
)
SELECT (SELECT count(*) FROM open_homework), (SELECT tz FROM open_homework)
"""
)

# Stand-ins for the request's values while `accepting()` is compiled: each
# one comes out of the compiler as a parameter, which is then bound to the
# statement's own named parameter (the rest are the queryset's constants).
_STAND_INS = {
    # In range for their fields (the compiler drops out-of-range lookups).
    "user": 2**62 + 11,
    "number": 31_337,
    "slug": "\x00slug\x00",
    "now": datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC),
}


def _compiled_accepting() -> tuple[str, dict]:
    """`Homework.objects.accepting()` for one course slug and lecture number
    as SQL with named parameters, and the queryset's own constants."""
    stand_in = _STAND_INS
    queryset = (
        Homework.objects.accepting(user_id=stand_in["user"], now=stand_in["now"])
        .filter(
            lecture__course__slug=stand_in["slug"],
            lecture__number=stand_in["number"],
        )
        .order_by()
        .values("id", "late", tz=F("lecture__course__timezone"))
    )
    sql, params = queryset.query.sql_with_params()

    def key(value):  # psycopg wraps ints (Int2(31337)): compare as ints
        plain = isinstance(value, int) and not isinstance(value, bool)
        return (int, int(value)) if plain else (type(value), value)

    by_value = {key(value): name for name, value in stand_in.items()}
    constants: dict[str, object] = {}
    names = []
    for index, value in enumerate(params):
        name = by_value.get(key(value))
        if name is None:
            name = f"accepting_{index}"
            constants[name] = value
        names.append(name)
    if "%%" in sql or sql.count("%s") != len(names) or not set(stand_in) <= set(names):
        raise RuntimeError("Homework.objects.accepting() did not compile as expected")
    parts = sql.split("%s")
    sql = parts[0] + "".join(
        f"%({name})s{part}" for name, part in zip(names, parts[1:], strict=True)
    )
    return sql, constants


@functools.cache
def _direct_sql(template: str, *, every_question: bool) -> tuple[str, dict]:
    tables = {
        "homework": Homework._meta.db_table,
        "question": Question._meta.db_table,
        "choice": Choice._meta.db_table,
        "submission": Submission._meta.db_table,
        "answer": SubmissionAnswer._meta.db_table,
        "draft": DraftAnswer._meta.db_table,
    }
    every = _EVERY_QUESTION.format(**tables) if every_question else ""
    accepting, constants = _compiled_accepting()
    sql = template.format(every_question=every, accepting="{accepting}", **tables)
    return sql.replace("{accepting}", accepting), constants


def _run_direct(template: str, *, every_question: bool, slug, number, user_id,
                data, now, **extra):  # fmt: skip
    if connection.vendor != "postgresql":
        return None
    posted = parse_posted_answers(data)
    if not posted:
        return None
    sql, constants = _direct_sql(template, every_question=every_question)
    params = {
        # Arrays as PostgreSQL literals (plain ints, checked above): psycopg
        # adapts a string in a fraction of the time it takes for a list.
        "questions": "{" + ",".join(map(str, posted)) + "}",
        "choices": "{" + ",".join(map(str, posted.values())) + "}",
        "slug": slug,
        "number": number,
        "user": user_id,
        "now": now,
        **constants,
        **extra,
    }
    with _prepared_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def homework_submit_direct(
    *, slug: str, number: int, user_id: int, data, token: uuid.UUID, now: datetime
) -> Direct:
    """A learner's submit in one statement, without loading the course, the
    homework or its questions (PostgreSQL; elsewhere always DECLINED).

    `data` is the POST: `q-<question id>` = choice id for every question.
    Anything the statement cannot accept as it stands is DECLINED, with
    nothing written, for the full path to handle."""
    row = _run_direct(
        DIRECT_SUBMIT_SQL, every_question=True,
        slug=slug, number=number, user_id=user_id, data=data, now=now, token=token,
    )  # fmt: skip
    if not row or not row[0]:
        return Direct.DECLINED
    return Direct.SUBMITTED if row[1] else Direct.REPEATED


def homework_save_draft_direct(
    *, slug: str, number: int, user_id: int, data, now: datetime
) -> tuple[Direct, str | None]:
    """A draft of some answers in one statement (as `homework_submit_direct`):
    (SAVED, the course's time zone to show the time in), or (DECLINED, None)
    for the full path to handle."""
    row = _run_direct(
        DIRECT_DRAFT_SQL, every_question=False,
        slug=slug, number=number, user_id=user_id, data=data, now=now,
    )  # fmt: skip
    if row and row[0]:
        return Direct.SAVED, row[1]
    return Direct.DECLINED, None


@functools.cache
def _prepared_cursor_class():
    import psycopg  # only with PostgreSQL

    class PreparedCursor(psycopg.Cursor):
        def execute(self, query, params=None, **kwargs):
            return super().execute(query, params, prepare=True, **kwargs)

    return PreparedCursor


def _prepared_cursor():
    """A Django cursor (logged and counted like any other) whose statements
    PostgreSQL prepares once per connection. Planning the statement above
    takes longer than running it (1.7 ms against 1.3 ms), and pooled
    connections live long, so every submit after a connection's first skips
    the planning. Django turns psycopg's automatic preparing off (for
    transaction-mode poolers such as PgBouncer before 1.21); only this
    cursor asks for it."""
    from django.db.backends.utils import CursorDebugWrapper, CursorWrapper

    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # None disables preparing even when asked; a threshold no other
        # query reaches keeps Django's cursors unprepared.
        raw.prepare_threshold = 2**31
    wrapper = CursorDebugWrapper if connection.queries_logged else CursorWrapper
    return wrapper(_prepared_cursor_class()(raw), connection)


GRADE_SQL = """
UPDATE quizzes_submission AS s
SET score = g.new_score, graded_key_version = %s, graded_at = %s
FROM (
    SELECT s2.id AS id,
           CASE WHEN s2.is_late AND COUNT(c.id) > %s THEN %s
                ELSE COUNT(c.id) END AS new_score
    FROM quizzes_submission AS s2
    LEFT JOIN quizzes_submissionanswer AS a ON a.submission_id = s2.id
    LEFT JOIN quizzes_choice AS c ON c.id = a.choice_id AND c.is_correct
    WHERE s2.homework_id = %s AND s2.id >= %s AND s2.id <= %s
    GROUP BY s2.id, s2.is_late
) AS g
WHERE s.id = g.id AND (s.score IS NULL OR s.score <> g.new_score)
"""


def homework_grade_all(*, homework_id: int, job: Job | None = None) -> dict:
    """Grade every submission of a homework, set-based.

    Submissions are taken in id chunks (HOMEWORK_GRADE_CHUNK); each chunk is one
    UPDATE ... FROM over an aggregate (count of chosen correct choices, capped
    for late ones) that touches only rows whose score changes, then one
    UPDATE stamping the key version. Running it twice changes nothing. The
    homework counts as graded only once the last chunk is in, so a worker
    killed halfway leaves it ungraded and the re-run (acks_late) finishes it.

    Returns {"submissions", "graded" (newly), "changed" (previously graded
    scores that moved), "key_version"}."""
    homework = Homework.objects.get(pk=homework_id)
    key_version = homework.key_version
    max_score = Question.objects.filter(homework=homework).count()
    cap = homework.late_cap_points(max_score)
    ids = list(
        Submission.objects.filter(homework=homework)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if job is not None:
        Job.objects.filter(pk=job.pk).update(done=0)
        job.start(total=len(ids))
    now = timezone.now()
    graded = changed = 0
    size = getattr(settings, "HOMEWORK_GRADE_CHUNK", 5000)
    for start in range(0, len(ids), size):
        low, high = ids[start], ids[min(start + size, len(ids)) - 1]
        with transaction.atomic():
            chunk = Submission.objects.filter(
                homework=homework, id__gte=low, id__lte=high
            )
            ungraded = chunk.filter(score__isnull=True).count()
            with connection.cursor() as cursor:
                cursor.execute(
                    GRADE_SQL, [key_version, now, cap, cap, homework.pk, low, high]
                )
                updated = cursor.rowcount
            chunk.filter(
                Q(graded_key_version__isnull=True) | ~Q(graded_key_version=key_version)
            ).update(graded_key_version=key_version, graded_at=now)
        graded += ungraded
        changed += updated - ungraded
        if job is not None:
            # Set, not added (a redelivery counts once): every submission of
            # the chunks done so far is graded. Counting them in the table
            # instead read the whole homework again after every chunk.
            job.progress_to(min(start + size, len(ids)))
    # Only now is the homework graded: a half-run never looks finished. The
    # item analysis is counted in the same transaction, under the row lock
    # the update takes (a submit or a key change marking the homework
    # ungraded waits for it), so "graded" always comes with its own counts.
    with transaction.atomic():
        if Homework.objects.filter(pk=homework.pk, key_version=key_version).update(
            graded_key_version=key_version, graded_at=now
        ):
            homework_item_analysis_store(homework=homework)
    if Homework.objects.revealed(now).filter(pk=homework.pk).exists():
        notify(  # once per homework: a regrade after a key change is silent
            # Not to a learner whose extension keeps the homework open: their
            # results stay hidden until their own window closes.
            Submission.objects.filter(homework=homework)
            .filter(revealed_to_learner_q(now))
            .values("user_id"),
            Kind.HOMEWORK_REVEALED,
            course=homework.lecture.course_id,
            url=homework.get_absolute_url(),
            params={"item": "homework", "number": homework.lecture.number},
            dedupe_key=f"revealed:homework:{homework.pk}",
        )
    result = {
        "submissions": len(ids),
        "graded": graded,
        "changed": changed,
        "key_version": key_version,
    }
    if job is not None:
        job.finish(result=result)
    return result


def homework_item_analysis_store(*, homework: Homework) -> ItemAnalysis:
    """Count the homework's item analysis from every submission and keep it
    (`ItemAnalysis`, one row per homework). Its one writer: grading runs it
    once every submission is graded, so the results page reads one row
    instead of every answer. Counted under `homework.key_version`."""
    tally = homework_item_tally(homework=homework)
    stored, _created = ItemAnalysis.objects.update_or_create(
        homework=homework,
        defaults={
            "key_version": tally.key_version,
            "computed_at": tally.computed_at,
            "submissions": tally.submissions,
            "choices": tally.choices,
        },
    )
    return stored


def homework_start_grading(*, homework: Homework, user=None) -> Job:
    """A Job for staff's "grade now" (or the sweep) and the task, after commit."""
    from quizzes.homework.tasks import homework_grade

    job = Job.objects.create(
        kind=GRADE_JOB,
        label=_("Grading homework: %(homework)s") % {"homework": homework},
        course=homework.lecture.course,
        created_by=user,
        params={"homework_id": homework.pk},
    )
    homework_grade.delay_on_commit(homework_id=homework.pk, job_id=str(job.pk))
    return job


# Authoring --------------------------------------------------------------------


class KeyChangeNeedsRegrade(Exception):
    """The answer key would change under submissions already made: staff
    must confirm, and every submission is graded again."""

    def __init__(self, submissions: int):
        self.submissions = submissions
        super().__init__(
            ngettext(
                "%(count)d learner has submitted: changing which choice is "
                "correct regrades their submission. Tick “change the key and "
                "regrade” to go ahead.",
                "%(count)d learners have submitted: changing which choice is "
                "correct regrades their submissions. Tick “change the key and "
                "regrade” to go ahead.",
                submissions,
            )
            % {"count": submissions}
        )


def homework_for_lecture(*, lecture) -> Homework:
    """The lecture's homework, created unpublished with the course defaults
    when it has none yet."""
    homework = Homework.objects.filter(lecture=lecture).first()
    if homework is None:
        defaults = HomeworkDefaults.of(lecture.course)
        homework, _created = Homework.objects.get_or_create(
            lecture=lecture,
            defaults={**defaults.dates_for(lecture), "pass_mark": defaults.pass_mark},
        )
    return homework


def homework_save_questions(
    *, homework: Homework, questions: list[dict], regrade: bool = False
) -> bool:
    """Write the authored questions over the homework's, keeping the rows
    (and so every learner's chosen answers) that already exist: question
    and choice N are updated in place, missing ones created (choices in a
    random id order, `ChoiceQuerySet.create_in_random_order`), extra ones
    removed only while nobody has submitted. A changed key under existing
    submissions needs `regrade=True`; the key version then moves on and the
    regrade sweep grades every submission again. Returns whether the key
    changed."""
    with transaction.atomic():
        homework = Homework.objects.select_for_update().get(pk=homework.pk)
        submissions = homework.submissions.count()
        existing = list(homework.questions.prefetch_related("choices"))
        structural = len(existing) != len(questions) or any(
            len(list(q.choices.all())) != len(new["choices"])
            for q, new in zip(existing, questions, strict=False)
        )
        if submissions and structural:
            raise ValidationError(
                _(
                    "Learners have submitted answers, so the number of questions "
                    "and choices stays as it is."
                )
            )
        key_before = [[c.is_correct for c in q.choices.all()] for q in existing]
        key_after = [[c["is_correct"] for c in q["choices"]] for q in questions]
        key_changes = key_before != key_after
        if submissions and key_changes and not regrade:
            raise KeyChangeNeedsRegrade(submissions)
        new_choices = []
        for position, data in enumerate(questions, start=1):
            if position <= len(existing):
                question = existing[position - 1]
                question.position = position
                question.title = data["title"]
                question.text = data["text"]
                question.explanation = data["explanation"]
                question.save()
                old_choices = list(question.choices.all())
            else:
                question = Question.objects.create(
                    homework=homework,
                    position=position,
                    title=data["title"],
                    text=data["text"],
                    explanation=data["explanation"],
                )
                old_choices = []
            for index, choice_data in enumerate(data["choices"], start=1):
                if index <= len(old_choices):
                    choice = old_choices[index - 1]
                    choice.position = index
                    choice.text = choice_data["text"]
                    choice.is_correct = choice_data["is_correct"]
                    choice.save()
                else:
                    new_choices.append(
                        Choice(
                            question=question,
                            position=index,
                            text=choice_data["text"],
                            is_correct=choice_data["is_correct"],
                        )
                    )
            for extra in old_choices[len(data["choices"]) :]:
                extra.delete()
        for extra in existing[len(questions) :]:
            extra.delete()
        Choice.objects.create_in_random_order(new_choices)
        changed = homework_sync_key_version(homework=homework)
    return changed


def homework_unpublish(*, homework: Homework) -> None:
    """Hide a homework from learners, while nobody has submitted to it."""
    if homework.submissions.exists():
        raise ValidationError(
            _("Learners have submitted answers: the homework stays published.")
        )
    Homework.objects.filter(pk=homework.pk).update(published=False)
    homework.published = False
