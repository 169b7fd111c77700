"""Build a course at scale for benchmarks: up to 200,000 learners, in minutes.

    DEBUG=1 python manage.py seed_scale --learners 100000 --lectures 15

Set-based: every large table is filled by a handful of `INSERT … SELECT`
statements (one per table and week), so nothing is built row by row in
Python and memory stays flat in the number of learners. 100,000 learners ×
15 weeks (about 1.1 million submissions, 5.5 million answers, 1 million
summaries) take a few minutes on PostgreSQL; progress goes to stderr.

The course (slug "scale" unless --slug) is replaced if it exists; its
learners are users `<slug>-<n>@example.com` sharing one password hash
(--password). Users are kept between runs (only missing ones are added and
every one gets the hash again), so a re-run with the same slug gives the
same course without deleting 100,000 accounts.

Weeks 1..L-1 are past: their homework and survey are closed and carry a
realistic spread (each learner has an engagement that decays over the term;
some miss weeks, about 8 % of submissions are late). Week L is this week:
homework and survey are open with no answers yet, which is what the deadline
spike benchmark submits to. Competition entries (scored) for about 60 % of
learners.

The spread comes from a hash of (learner id, week, draw) computed in SQL,
not from Python's random module, so the same ids give the same course on
PostgreSQL and SQLite; submission times come from a small table of per-week
time slots (drawn with --seed) that the hash picks from.

Refused when DEBUG is off (it sets passwords) unless --force.
"""

import random
import time
from collections.abc import Callable
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from accounts.models import User
from competitions.models import Competition, Entry
from completion.models import (
    Certificate,
    CompletionOverride,
    CompletionRecord,
    PrintedName,
)
from completion.totals import dashboard_totals_refresh
from courses.models import Course, CourseRole, Enrollment, Lecture
from quizzes.homework.models import (
    Choice,
    Homework,
    Question,
    Submission,
    SubmissionAnswer,
)
from quizzes.surveys.models import Survey, SurveyQuestion, SurveyResponse

MAX_LEARNERS = 200_000
QUESTIONS = 5
CHOICES = 4
SLOTS = 100  # time slots per week; the first LATE_SLOTS are late
LATE_SLOTS = 8  # about 8 % of submissions are late
SLOT_TABLE = "seed_scale_slot"
ENTRY_SLOTS = -1  # the slot table's "week" for competition entry times
SUMMARY = (
    "This week's lecture covered how large language models are trained and "
    "evaluated. I learned why the attention mechanism scales with sequence "
    "length, how tokenization affects what a model can represent, and what "
    "the hands-on notebook showed about fine-tuning a small model on a free "
    "GPU. The part about evaluation made me rethink benchmark scores. "
)
PRIME = 2147483647  # 2^31 - 1


def _hash(expr: str, draw: int) -> str:
    """SQL for a pseudo-random integer in [0, 2^31 - 1) from an integer
    expression: two rounds of a multiplicative (Lehmer) step, with the draw
    number mixed in so different draws of one learner are independent.
    Integer arithmetic only, so PostgreSQL and SQLite give the same value.
    (`%%` is the modulo operator in a statement that has parameters.)"""
    return (
        f"(((((({expr}) + {draw * 7919 + 1}) * 48271) %% {PRIME}) * 69621) %% {PRIME})"
    )


def _uniform(expr: str, draw: int) -> str:
    """SQL for a pseudo-random number in [0, 1) (see _hash)."""
    return f"({_hash(expr, draw)} * 1.0 / {PRIME})"


def _engagement(user: str) -> str:
    """A learner's engagement in (0, 1], mean 0.75, skewed towards 1 (like
    the Beta(4, 1.5) the row-by-row version drew)."""
    return f"(1 - {_uniform(user, 1)} * {_uniform(user, 2)})"


class Command(BaseCommand):
    help = "Build a large course for benchmarks with set-based inserts (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, default=4000)
        parser.add_argument("--lectures", type=int, default=15)
        parser.add_argument("--slug", default="scale")
        parser.add_argument("--password", default="koza-scale")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off"
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_scale only runs with DEBUG on (it sets passwords); "
                "pass --force to run it anyway."
            )
        learners, lectures = options["learners"], options["lectures"]
        if not 1 <= learners <= MAX_LEARNERS:
            raise CommandError(f"--learners must be between 1 and {MAX_LEARNERS}.")
        if not 1 <= lectures <= 30:
            raise CommandError("--lectures must be between 1 and 30.")
        start = time.perf_counter()

        def progress(message: str) -> None:
            self.stderr.write(f"[{time.perf_counter() - start:7.1f} s] {message}")

        counts = seed_scale(
            slug=options["slug"],
            learners=learners,
            lectures=lectures,
            password=options["password"],
            seed=options["seed"],
            progress=progress,
        )
        seconds = time.perf_counter() - start
        self.stdout.write(
            ", ".join(f"{name} {count}" for name, count in counts.items())
            + f" in {seconds:.1f} s"
        )


def _execute(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _insert_select(
    model: type[Model],
    exprs: dict[str, str | tuple[str, list]],
    rest: str,
    params=(),
    **constants,
) -> int:
    """`INSERT INTO <model> (...) SELECT ... FROM <rest>`: the columns named
    in `exprs` get those SQL expressions (with their own parameters when given
    as (sql, params)), every other column the value of an unsaved instance
    built with `constants`, so model defaults apply and are adapted for the
    database the way Django saves them."""
    template = model(**constants)
    columns, select, select_params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        expr = exprs.get(field.attname)
        if expr is None:
            select.append("%s")
            select_params.append(
                field.get_db_prep_save(getattr(template, field.attname), connection)
            )
        elif isinstance(expr, tuple):
            select.append(expr[0])
            select_params.extend(expr[1])
        else:
            select.append(expr)
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608 - SQL from this module; values are bound
        f"SELECT {', '.join(select)} FROM {rest}"
    )
    return _execute(sql, [*select_params, *params])


def _remove(slug: str) -> None:
    """Delete the course bottom-up with one statement per large table:
    Django's cascading delete would load every submission into Python."""
    course = Course.objects.filter(slug=slug).first()
    if course is None:
        return
    for queryset in (
        SubmissionAnswer.objects.filter(submission__homework__lecture__course=course),
        Submission.objects.filter(homework__lecture__course=course),
        SurveyResponse.objects.filter(survey__lecture__course=course),
        Entry.objects.filter(competition__course=course),
    ):
        # _raw_delete: one DELETE … WHERE, no collection; the cascades below
        # these tables are emptied first.
        queryset._raw_delete(queryset.db)
    Certificate.objects.filter(course=course).delete()
    for queryset in (
        CompletionOverride.objects.filter(record__course=course),
        CompletionRecord.objects.filter(course=course),
        PrintedName.objects.filter(enrollment__course=course),
        Enrollment.objects.filter(course=course),
    ):
        queryset._raw_delete(queryset.db)
    course.delete()


def _slot_table(*, past: list[Homework], rng: random.Random, now) -> None:
    """Per-week time slots the hash picks submission times from: slot s of
    week w is late (1 to 60 hours after the deadline) for s < LATE_SLOTS,
    otherwise some hours before it (exponential, mean 20 h). Week
    ENTRY_SLOTS holds competition entry times over the last four weeks."""
    _execute(f"DROP TABLE IF EXISTS {SLOT_TABLE}")
    _execute(
        f"CREATE TEMPORARY TABLE {SLOT_TABLE} (week integer, slot integer, "
        "at_time timestamp with time zone, done_time timestamp with time zone, "
        "late boolean)"
    )
    rows = []
    for week, homework in enumerate(past):
        for slot in range(SLOTS):
            late = slot < LATE_SLOTS
            at = homework.due_at + (
                timedelta(hours=rng.uniform(1, 60))
                if late
                else -timedelta(hours=rng.expovariate(1 / 20))
            )
            rows.append((week, slot, max(at, homework.opens_at), at, late))
    for slot in range(SLOTS):
        at = now - timedelta(days=rng.uniform(0, 27), minutes=slot % 3)
        rows.append((ENTRY_SLOTS, slot, at, at + timedelta(seconds=2), False))
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {SLOT_TABLE} VALUES (%s, %s, %s, %s, %s)",  # noqa: S608
            [(w, s, adapt(a), adapt(d), late) for w, s, a, d, late in rows],
        )


@transaction.atomic
def seed_scale(
    *,
    slug: str,
    learners: int,
    lectures: int,
    password: str,
    seed: int,
    progress: Callable[[str], None] = lambda message: None,
) -> dict:
    """Create the course and return the row counts it inserted."""
    rng = random.Random(seed)
    now = timezone.now()
    _remove(slug)
    progress(f"removed the old {slug!r} course")
    if connection.vendor == "postgresql":
        # Check foreign keys after each statement rather than all at commit,
        # so the progress lines tell the real time spent on each table.
        _execute("SET CONSTRAINTS ALL IMMEDIATE")
    course = Course.objects.create(
        slug=slug,
        title=f"Scale course ({learners} learners)",
        state=Course.State.RUNNING,
    )
    hashed = make_password(password)
    staff, _ = User.objects.update_or_create(
        email=f"{slug}-staff@example.com",
        defaults={"display_name": "Staff", "password": hashed},
    )
    EmailAddress.objects.get_or_create(
        user=staff, email=staff.email, defaults={"verified": True, "primary": True}
    )
    CourseRole.objects.create(course=course, user=staff, role=CourseRole.Role.ADMIN)

    # Learners 1..N: a series joined to users by their email (unique, indexed).
    series = (
        "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        "WHERE i < %s) SELECT i FROM n) n"
    )
    email = "(%s || n.i || '@example.com')"
    prefix = f"{slug}-"
    added = _insert_select(
        User,
        {"email": (email, [prefix]), "display_name": "('Learner ' || n.i)"},
        f"{series} WHERE NOT EXISTS (SELECT 1 FROM {User._meta.db_table} x "  # noqa: S608
        f"WHERE x.email = {email})",
        [learners, prefix],
        password=hashed,
        date_joined=now - timedelta(days=120),
    )
    learner_join = f"{series} JOIN {User._meta.db_table} u ON u.email = {email}"
    User.objects.filter(
        email__startswith=f"{slug}-", email__endswith="@example.com"
    ).exclude(password=hashed).update(password=hashed)
    _insert_select(
        EmailAddress,
        {"user_id": "u.id", "email": "u.email"},
        f"{learner_join} WHERE NOT EXISTS (SELECT 1 FROM "  # noqa: S608
        f"{EmailAddress._meta.db_table} a WHERE a.user_id = u.id)",
        [learners, prefix],
        verified=True,
        primary=True,
    )
    enrolled = _insert_select(
        Enrollment,
        {"user_id": "u.id"},
        learner_join,
        [learners, prefix],
        course=course,
        status=Enrollment.Status.APPROVED,
        applied_at=now - timedelta(days=110),
        decided_at=now - timedelta(days=100),
        decided_by=staff,
    )
    progress(f"{learners} learners ({added} new accounts), {enrolled} enrolled")

    # Lectures: week L is this week; earlier weeks are a week apart before it.
    this_week = now - timedelta(days=2)
    lecture_rows = Lecture.objects.bulk_create(
        Lecture(
            course=course,
            number=n,
            title=f"Lecture {n}",
            starts_at=this_week - timedelta(weeks=lectures - n),
            published=True,
        )
        for n in range(1, lectures + 1)
    )
    homeworks, surveys = [], []
    for lecture in lecture_rows:
        due = lecture.starts_at + timedelta(days=7)
        homework = Homework(
            lecture=lecture,
            opens_at=lecture.starts_at,
            due_at=due,
            late_days=3,
            late_cap="0.6",
            shuffle=True,
            published=True,
        )
        homework.reveal_at = homework.closes_at
        homeworks.append(homework)
        surveys.append(
            Survey(
                lecture=lecture,
                opens_at=lecture.starts_at,
                due_at=due,
                summary_min_chars=100,
                allow_late=True,
                published=True,
            )
        )
    homeworks = Homework.objects.bulk_create(homeworks)
    surveys = Survey.objects.bulk_create(surveys)
    questions = Question.objects.bulk_create(
        Question(homework=h, position=p, text=f"Week {h.lecture.number}, Q{p + 1}")
        for h in homeworks
        for p in range(QUESTIONS)
    )
    Choice.objects.bulk_create(
        Choice(question=q, position=p, text=f"Choice {p + 1}", is_correct=p == 0)
        for q in questions
        for p in range(CHOICES)
    )
    rating_questions = SurveyQuestion.objects.bulk_create(
        SurveyQuestion(
            survey=s,
            position=0,
            kind=SurveyQuestion.Kind.RATING,
            label="How clear was the lecture?",
        )
        for s in surveys
    )
    rating_key = {q.survey_id: q.key for q in rating_questions}

    # The spread: each learner's engagement decays over the term; the current
    # week (the last lecture) has no answers yet.
    past = homeworks[: lectures - 1]
    _slot_table(past=past, rng=rng, now=now)

    def engaged(*, key: str, slot: int, draw: int, share: float) -> str:
        """The course's learners who answer this week (a draw under their
        engagement times `share`), each with a time slot."""
        return (
            f"{Enrollment._meta.db_table} e JOIN {SLOT_TABLE} t ON t.week = %s "
            f"AND t.slot = {_hash(key, slot)} %% {SLOTS} WHERE e.course_id = %s "
            f"AND {_uniform(key, draw)} < {_engagement('e.user_id')} * {share!r}"
        )

    json = "CAST({} AS jsonb)" if connection.vendor == "postgresql" else "{}"
    counts = dict.fromkeys(("submissions", "answers", "summaries"), 0)
    for week, (homework, survey) in enumerate(
        zip(past, surveys[: len(past)], strict=True)
    ):
        share = 1 - 0.35 * week / max(lectures - 1, 1)
        key = f"e.user_id * 64 + {week}"
        counts["submissions"] += _insert_select(
            Submission,
            {
                "user_id": "e.user_id",
                "submitted_at": "t.at_time",
                "is_late": "t.late",
            },
            engaged(key=key, slot=3, draw=4, share=share),
            [week, course.id],
            homework=homework,
        )
        # Right answers more likely the more engaged the learner; a wrong
        # answer is one of the three other choices.
        skill = _engagement("s.user_id")
        answer_key = "s.user_id * 8 + q.position"
        counts["answers"] += _execute(
            f"INSERT INTO {SubmissionAnswer._meta.db_table} "  # noqa: S608
            "(submission_id, question_id, choice_id) "
            f"SELECT s.id, q.id, c.id FROM {Submission._meta.db_table} s "
            f"JOIN {Question._meta.db_table} q ON q.homework_id = s.homework_id "
            f"JOIN {Choice._meta.db_table} c ON c.question_id = q.id "
            f"AND c.position = CASE WHEN {_uniform(answer_key, 5)} "
            f"< 0.3 + 0.6 * {skill} THEN 0 "
            f"ELSE 1 + {_hash(answer_key, 6)} %% {CHOICES - 1} END "
            "WHERE s.homework_id = %s",
            [homework.id],
        )
        length = f"CAST(150 + {_hash(key, 7)} %% {len(SUMMARY) - 149} AS integer)"
        rating = f"(2 + {_hash(key, 8)} %% 4)"
        counts["summaries"] += _insert_select(
            SurveyResponse,
            {
                "user_id": "e.user_id",
                "summary": (f"substr(%s, 1, {length})", [SUMMARY]),
                "summary_chars": (
                    f"length(rtrim(substr(%s, 1, {length})))",
                    [SUMMARY],
                ),
                "answers": json.format(
                    f"'{{\"{rating_key[survey.id]}\": ' || {rating} || '}}'"
                ),
                "submitted_at": "t.done_time",
                "updated_at": "t.done_time",
                "late": "t.late",
            },
            engaged(key=key, slot=9, draw=10, share=0.95 * share),
            [week, course.id],
            survey=survey,
        )
        progress(
            f"week {week + 1}: {counts['submissions']} submissions, "
            f"{counts['answers']} answers, {counts['summaries']} summaries so far"
        )

    competition = Competition.objects.create(
        course=course,
        title="Final competition",
        opens_at=this_week - timedelta(weeks=4),
        closes_at=this_week + timedelta(weeks=2),
    )
    # 10 % to 70 % of learners enter (more of the engaged ones), 1 to 3 times.
    attempt = "e.user_id * 4 + a.i"
    score = (
        f"(0.55 + 0.3 * {_engagement('e.user_id')} + 0.16 * ("
        f"{_uniform(attempt, 11)} + {_uniform(attempt, 12)} "
        f"+ {_uniform(attempt, 13)} - 1.5))"
    )
    clamped = f"(CASE WHEN {score} > 1 THEN 1.0 ELSE {score} END)"
    entries = _insert_select(
        Entry,
        {
            "user_id": "e.user_id",
            "file": (
                "(%s || e.user_id || '-' || a.i || '.csv')",
                [f"competitions/{slug}/"],
            ),
            "public_score": f"round({clamped}, 4)",
            "private_score": (
                f"round({clamped} + 0.06 * {_uniform(attempt, 14)} - 0.03, 4)"
            ),
            "submitted_at": "t.at_time",
            "enqueued_at": "t.at_time",
            "scoring_started_at": "t.at_time",
            "scored_at": "t.done_time",
        },
        f"{Enrollment._meta.db_table} e "
        "JOIN (SELECT 0 AS i UNION ALL SELECT 1 UNION ALL SELECT 2) a "
        f"ON a.i <= {_hash('e.user_id', 15)} %% 3 "
        f"JOIN {SLOT_TABLE} t ON t.week = {ENTRY_SLOTS} "
        f"AND t.slot = {_hash(attempt, 16)} %% {SLOTS} "
        "WHERE e.course_id = %s "
        f"AND {_uniform('e.user_id', 17)} < 0.6 * {_engagement('e.user_id')} + 0.1",
        [course.id],
        competition=competition,
        original_name="predictions.csv",
        size=1024,
        status=Entry.Status.SCORED,
        attempts=1,
        submitted_at=now,
        enqueued_at=now,
    )
    _execute(f"DROP TABLE {SLOT_TABLE}")
    progress(f"{entries} competition entries")
    dashboard_totals_refresh(course=course)
    progress("dashboard totals refreshed")
    if connection.vendor == "postgresql":
        transaction.on_commit(lambda: _analyze(progress))
    return {
        "learners": enrolled,
        "lectures": len(lecture_rows),
        **counts,
        "entries": entries,
    }


def _analyze(progress: Callable[[str], None]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    progress("analyzed")
