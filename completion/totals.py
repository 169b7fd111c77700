"""The learners' totals the staff completion dashboard sorts on.

Each enrollment carries a copy of three totals (`Enrollment.homework_points`,
`weeks_passed`, `summaries`), so the dashboard sorts and pages 100,000
learners through an index instead of summing every learner's work for every
page. A copy can go stale; this module is the one place that writes it:

- `totals_sql` is the definition (graded submissions of published homework,
  the summaries that count under the course's setting): each source
  aggregated once, grouped by learner, and joined to the enrollments, so a
  learner with nothing that counts has zeros;
- `dashboard_totals_refresh` rewrites the copies from that definition,
  set-based (the stale rows found in one pass, then one UPDATE ... FROM of
  only those rows);
- `dashboard_totals_refresh_due` runs it for the courses whose inputs
  changed since their last refresh (on PostgreSQL the statement triggers
  behind `koza_completion_inputs` count every write to submissions,
  summaries and enrollments); the beat runs it every five minutes
  (DASHBOARD_TOTALS_SECONDS), so a total lags a write by up to that and no
  submit path does any extra work at a deadline.

The same refresh stores each learner's "at risk" (`Enrollment.at_risk`,
from `completion.selectors.at_risk_q`) and what it was decided against
(`TotalsState.risk_key`); the dashboard's at-risk filter reads the flag while
that still holds, and the periodic run re-decides a course whose key moved (a
deadline passed, an extension was granted) even when nothing was written.

The dashboard's weekly cells are read live; the totals beside them say when
they were refreshed. At 100,000 learners x 15 weeks right after grading
(every total moved) a refresh is a few seconds of database time, about its
raw-SQL `UPDATE ... FROM` floor; it was 96 s while each learner's totals were
correlated subqueries.
"""

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, QuerySet, Sum
from django.utils import timezone

from completion.models import TotalsState
from completion.selectors import at_risk_inputs, at_risk_key, at_risk_q
from courses.models import Course, Enrollment
from quizzes.homework.models import PASSED, Submission
from quizzes.surveys.selectors import counted_survey_responses

TOTALS = ("homework_points", "weeks_passed", "summaries")
# Per connection, dropped before the transaction that made it ends.
_STALE = "koza_stale_totals"


def _by_learner(rows: QuerySet, user_ids) -> QuerySet:
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    return rows.order_by().values("user_id")


def graded_by_learner(course: Course, user_ids=None) -> QuerySet:
    """`user_id`, `homework_points`, `weeks_passed`: the learner's graded
    submissions to the course's published homework."""
    submissions = Submission.objects.filter(
        homework__lecture__course=course,
        homework__published=True,
        score__isnull=False,
    )
    return _by_learner(submissions, user_ids).annotate(
        homework_points=Sum("score"), weeks_passed=Count("pk", filter=PASSED)
    )


def summaries_by_learner(course: Course, user_ids=None) -> QuerySet:
    """`user_id`, `summaries`: the learner's summaries that count."""
    return _by_learner(counted_survey_responses(course), user_ids).annotate(
        summaries=Count("pk")
    )


def totals_sql(course: Course, user_ids=None) -> tuple[str, tuple]:
    """A SELECT (and its parameters) of `id`, `user_id` and the three totals
    of every enrollment of the course (or of `user_ids`), computed from
    scratch: each source aggregated once, zeros where nothing counts."""
    enrollments = Enrollment.objects.filter(course=course)
    if user_ids is not None:
        enrollments = enrollments.filter(user_id__in=user_ids)
    enrollments_sql, enrollments_params = (
        enrollments.order_by().values("id", "user_id").query.sql_with_params()
    )
    graded_sql, graded_params = graded_by_learner(
        course, user_ids
    ).query.sql_with_params()
    counted_sql, counted_params = summaries_by_learner(
        course, user_ids
    ).query.sql_with_params()
    # Only SQL compiled from the QuerySets above is formatted in.
    sql = f"""
        SELECT e.id, e.user_id,
               COALESCE(g.homework_points, 0) AS homework_points,
               COALESCE(g.weeks_passed, 0) AS weeks_passed,
               COALESCE(s.summaries, 0) AS summaries
        FROM ({enrollments_sql}) AS e
        LEFT JOIN ({graded_sql}) AS g ON g.user_id = e.user_id
        LEFT JOIN ({counted_sql}) AS s ON s.user_id = e.user_id
    """  # noqa: S608
    return sql, (*enrollments_params, *graded_params, *counted_params)


def _write_stale(stale_sql: str, params, columns: Iterable[str]) -> bool:
    """Copy `columns` of the rows `stale_sql` selects (`id` and the fresh
    values of the enrollments whose stored ones differ) onto the enrollments:
    computed once into a temporary table, then one UPDATE ... FROM of only
    those rows, or no UPDATE at all when there are none (an UPDATE, even of
    no rows, advances the inputs sequence: see `dashboard_totals_refresh_due`).
    Whether any row was written."""
    table = Enrollment._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {_STALE} AS {stale_sql}", params)
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {_STALE})")  # noqa: S608
        changed = bool(cursor.fetchone()[0])
        if changed:
            assignments = ", ".join(f"{name} = {_STALE}.{name}" for name in columns)
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {_STALE}"  # noqa: S608
                f" WHERE {table}.id = {_STALE}.id"
            )
        cursor.execute(f"DROP TABLE {_STALE}")
    return changed


def _totals_write(course: Course, user_ids=None) -> bool:
    fresh_sql, params = totals_sql(course, user_ids)
    differs = " OR ".join(f"stored.{name} <> fresh.{name}" for name in TOTALS)
    return _write_stale(
        f"""SELECT fresh.id, {", ".join(f"fresh.{name}" for name in TOTALS)}
        FROM ({fresh_sql}) AS fresh
        JOIN {Enrollment._meta.db_table} AS stored ON stored.id = fresh.id
        WHERE {differs}""",  # noqa: S608
        params,
        TOTALS,
    )


def _at_risk_write(course: Course, *, user_ids=None, now=None) -> tuple[bool, str]:
    """Store `at_risk_q` as it decides now on each approved enrollment (of
    `user_ids` only, when given); whether any flag changed, and the key it
    was decided under (read before the flags, so a change made meanwhile
    leaves the key stale rather than the flags)."""
    now = now or timezone.now()
    risk = at_risk_inputs(course, now=now)
    key = at_risk_key(course, risk, now=now)
    rows = Enrollment.objects.filter(course=course, status=Enrollment.Status.APPROVED)
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    stale = (
        rows.annotate(
            fresh=ExpressionWrapper(
                at_risk_q(course, now=now, risk=risk), output_field=BooleanField()
            )
        )
        .exclude(at_risk=F("fresh"))
        .order_by()
        .values_list("id", "fresh")
    )
    sql, params = stale.query.sql_with_params()
    # The temporary table's column is named after the one it is copied to.
    changed = _write_stale(
        f"SELECT id, fresh AS at_risk FROM ({sql}) AS stale",  # noqa: S608
        params,
        ["at_risk"],
    )
    return changed, key


def _refresh(course: Course, *, totals: bool = True) -> tuple[bool, int]:
    """The whole course's totals (unless `totals` is false), then its
    at-risk flags and TotalsState: whether any total changed, and how many
    UPDATEs ran on the enrollments (each advances the inputs sequence)."""
    changed = _totals_write(course) if totals else False
    risk_changed, key = _at_risk_write(course)
    defaults = {"risk_key": key}
    if totals:
        defaults["refreshed_at"] = timezone.now()
    TotalsState.objects.update_or_create(course=course, defaults=defaults)
    return changed, changed + risk_changed


def dashboard_totals_refresh(*, course: Course, user_ids=None) -> bool:
    """Rewrite the stored totals of the course's enrollments (or of
    `user_ids` only) from `totals_sql`, then their at-risk flags; whether
    any total changed."""
    if user_ids is None:
        return _refresh(course)[0]
    changed = _totals_write(course, user_ids)
    _at_risk_write(course, user_ids=user_ids)  # the course's key is not theirs
    return changed


def dashboard_totals_refresh_due(*, stamp: int | None) -> list[int]:
    """Refresh every course with learners whose inputs may have moved since
    its last refresh: with `stamp` (where the inputs sequence stood before
    anything was read), the courses whose recorded stamp differs; without one
    (SQLite, or a write in flight), every one; and the courses whose at-risk
    key moved (a deadline passed) have their flags re-decided. Returns the
    ids refreshed.

    The refresh's own UPDATEs advance the sequence by one each (one
    statement on an input table), so a course is recorded at `stamp` plus
    their number: any other write in between leaves the sequence further
    on, and the next run refreshes again."""
    now = timezone.now()
    done = []
    for course in Course.objects.exclude(state=Course.State.DRAFT).select_related(
        "totals_state"
    ):
        state = getattr(course, "totals_state", None)
        inputs_moved = stamp is None or state is None or state.inputs_stamp != stamp
        if not inputs_moved and state.risk_key == at_risk_key(
            course, at_risk_inputs(course, now=now), now=now
        ):
            continue
        _, writes = _refresh(course, totals=inputs_moved)
        if stamp is not None:
            TotalsState.objects.filter(course=course).update(
                inputs_stamp=stamp + writes
            )
        done.append(course.pk)
    return done
