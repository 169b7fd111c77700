"""The learners' totals the staff completion dashboard sorts on.

Each enrollment carries a copy of three totals (`Enrollment.homework_points`,
`weeks_passed`, `summaries`), so the dashboard sorts and pages 100,000
learners through an index instead of summing every learner's work for every
page. A copy can go stale; this module is the one place that writes it:

- `totals_sql` is the definition (graded submissions of published homework,
  the summaries that count under the course's setting), as SQL expressions;
- `dashboard_totals_refresh` rewrites the copies from that definition,
  set-based (one UPDATE, only rows whose totals moved);
- `dashboard_totals_refresh_due` runs it for the courses whose inputs
  changed since their last refresh (on PostgreSQL the statement triggers
  behind `koza_completion_inputs` count every write to submissions,
  summaries and enrollments); the beat runs it every five minutes
  (DASHBOARD_TOTALS_SECONDS), so a total lags a write by up to that and no
  submit path does any extra work at a deadline.

The dashboard's weekly cells are read live; the totals beside them say when
they were refreshed. A refresh computes every learner's totals with
correlated subqueries: at 100,000 learners x 15 weeks, 96 s of database time
on the busy benchmark machine when most totals had moved (after grading).
"""

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from completion.models import TotalsState
from courses.models import Course, Enrollment
from quizzes.homework.models import PASSED, Submission
from quizzes.surveys.selectors import counted_survey_responses


def totals_sql(course: Course) -> dict:
    """`homework_points`, `weeks_passed` and `summaries` of the enrollment
    in the outer query, computed from scratch."""
    submissions = Submission.objects.filter(
        homework__lecture__course=course,
        homework__published=True,
        score__isnull=False,
        user_id=OuterRef("user_id"),
    ).order_by()
    counted = (
        counted_survey_responses(course).filter(user_id=OuterRef("user_id")).order_by()
    )

    def total(rows, aggregate):
        return Coalesce(
            Subquery(
                rows.values("user_id").annotate(n=aggregate).values("n"),
                output_field=IntegerField(),
            ),
            0,
        )

    return {
        "homework_points": total(submissions, Sum("score")),
        "weeks_passed": total(submissions.filter(PASSED), Count("pk")),
        "summaries": total(counted, Count("pk")),
    }


def dashboard_totals_refresh(*, course: Course, user_ids=None) -> bool:
    """Rewrite the stored totals of the course's enrollments (or of
    `user_ids` only) from `totals_sql`; whether any row changed. Rows already
    right are not written, and when none is wrong no UPDATE runs at all (an
    UPDATE, even of no rows, advances the inputs sequence)."""
    fresh = totals_sql(course)
    rows = Enrollment.objects.filter(course=course)
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    stale = (
        rows.alias(**{f"fresh_{name}": value for name, value in fresh.items()})
        .filter(
            ~Q(homework_points=F("fresh_homework_points"))
            | ~Q(weeks_passed=F("fresh_weeks_passed"))
            | ~Q(summaries=F("fresh_summaries"))
        )
        .values("pk")
    )
    changed = stale.exists()
    if changed:
        Enrollment.objects.filter(pk__in=stale).update(**fresh)
    if user_ids is None:
        TotalsState.objects.update_or_create(
            course=course, defaults={"refreshed_at": timezone.now()}
        )
    return changed


def dashboard_totals_refresh_due(*, stamp: int | None) -> list[int]:
    """Refresh every course with learners whose inputs may have moved since
    its last refresh: with `stamp` (where the inputs sequence stood before
    anything was read), the courses whose recorded stamp differs; without one
    (SQLite, or a write in flight), every one. Returns the ids refreshed.

    The refresh's own UPDATE advances the sequence by one (one statement on
    an input table), so a course is recorded at `stamp + 1` after it: any
    other write in between leaves the sequence further on, and the next run
    refreshes again."""
    courses = Course.objects.exclude(state=Course.State.DRAFT)
    if stamp is not None:
        courses = courses.exclude(totals_state__inputs_stamp=stamp)
    done = []
    for course in courses:
        changed = dashboard_totals_refresh(course=course)
        if stamp is not None:
            TotalsState.objects.filter(course=course).update(
                inputs_stamp=stamp + changed
            )
        done.append(course.pk)
    return done
