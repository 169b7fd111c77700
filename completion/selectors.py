"""Reads for completion: every learner's metrics in a few aggregate queries,
the weekly grid, the staff dashboard's queryset and its CSV.

Nothing here runs a query per learner: totals are aggregates grouped by user
(or correlated subqueries the database evaluates in one statement), and the
weekly grid is fetched for a whole page (or CSV chunk) of learners at once.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from competitions.models import Competition, Participant
from competitions.selectors import leaderboard, users_with_scored_entry
from completion.models import (
    CompletionRecord,
    CompletionRule,
    CompletionTier,
    TotalsState,
    final_decision_sql,
    final_outcome_q,
)
from completion.rules import Metrics, rule_met, rule_value
from courses.models import Course, Enrollment, Extension, Lecture
from lms.csv import csv_safe_expression
from quizzes.homework.models import (
    PASSED,
    Homework,
    Submission,
    revealed_to_learner_q,
)
from quizzes.surveys.models import Survey, SurveyResponse
from quizzes.surveys.selectors import counted_survey_responses

Kind = CompletionRule.Kind
Outcome = CompletionRecord.Outcome


def _course_submissions(course: Course) -> QuerySet:
    """Graded submissions of the course's published homework: what staff
    see, whether or not the answers are revealed yet."""
    return Submission.objects.filter(
        homework__lecture__course=course,
        homework__published=True,
        score__isnull=False,
    )


def _revealed_submissions(course: Course, now) -> QuerySet:
    """The graded submissions whose score a learner may see at `now`. What
    completion counts: a decision the learner sees must not move with a
    score they may not see yet (staff grading an open homework early would
    otherwise let learners compare answer sets against it)."""
    return _course_submissions(course).revealed(now)


def learner_metrics(
    course: Course, *, user_ids: Iterable[int] | None = None, now=None
) -> dict[int, Metrics]:
    """Metrics of every approved learner (or of `user_ids` only), keyed by
    enrollment id, from one aggregate query per source.

    Only what learners may see counts: homework revealed at `now` and the
    competition board they are shown (`competition_top_percent`). The
    progress page shows these metrics and the decisions made from them, so
    counting anything hidden would turn it into an oracle."""
    now = now or timezone.now()
    enrollments = Enrollment.objects.filter(
        course=course, status=Enrollment.Status.APPROVED
    )
    submissions = _revealed_submissions(course, now)
    counted = counted_survey_responses(course)
    accepted = SurveyResponse.objects.filter(
        survey__lecture__course=course, review_state=SurveyResponse.Review.ACCEPTED
    )
    participants = Participant.objects.filter(competition__course=course).exclude(
        report=""
    )
    if user_ids is not None:
        user_ids = list(user_ids)
        enrollments = enrollments.filter(user_id__in=user_ids)
        submissions = submissions.filter(user_id__in=user_ids)
        counted = counted.filter(user_id__in=user_ids)
        accepted = accepted.filter(user_id__in=user_ids)
        participants = participants.filter(user_id__in=user_ids)
    homework = {
        row["user_id"]: row
        for row in submissions.order_by()
        .values("user_id")
        .annotate(
            points=Sum("score"),
            passed=Count("pk", filter=PASSED),
        )
    }
    submitted = dict(
        counted.order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values_list("user_id", "n")
    )
    accepted_counts = dict(
        accepted.order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values_list("user_id", "n")
    )
    entered = users_with_scored_entry(course)
    reported = set(participants.values_list("user_id", flat=True))
    top = competition_top_percent(course)
    metrics = {}
    for enrollment_id, user_id in enrollments.values_list("pk", "user_id"):
        hw = homework.get(user_id, {})
        metrics[enrollment_id] = Metrics(
            homework_points=float(hw.get("points") or 0),
            homework_weeks_passed=hw.get("passed", 0),
            summaries_submitted=submitted.get(user_id, 0),
            summaries_accepted=accepted_counts.get(user_id, 0),
            competition_entry=user_id in entered,
            competition_report=user_id in reported,
            competition_top_percent=top.get(user_id),
        )
    return metrics


def competition_top_percent(course: Course) -> dict[int, float]:
    """user id -> rank / participants * 100 on the board learners are shown:
    the final (private) ranking once staff publish it, the public one until
    then (the private scores must not leak through the progress page, where
    toggling a final selection would otherwise read them); with several
    competitions, the learner's best placing."""
    best: dict[int, float] = {}
    for competition in Competition.objects.filter(course=course):
        rows = leaderboard(competition, private=competition.private_published)
        for row in rows:
            percent = row["rank"] * 100 / len(rows)
            if percent < best.get(row["user_id"], 101):
                best[row["user_id"]] = percent
    return best


# Criteria -----------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    kind: str
    label: str
    threshold: Decimal
    value: float | bool | None
    met: bool

    @property
    def is_yes_no(self) -> bool:
        return self.kind in {Kind.COMPETITION_ENTRY, Kind.COMPETITION_REPORT}

    @property
    def sentence(self) -> str:
        """The rule and where the learner stands, as one plain sentence in
        the reader's language (the progress page)."""
        n = int(self.threshold)
        value = self.value
        if self.kind == Kind.COMPETITION_ENTRY:
            return (
                _("Have a competition entry scored: done.")
                if value
                else _("Have a competition entry scored: not yet.")
            )
        if self.kind == Kind.COMPETITION_REPORT:
            return (
                _("Submit the competition report: done.")
                if value
                else _("Submit the competition report: not yet.")
            )
        if self.kind == Kind.COMPETITION_TOP_PERCENT:
            percent = f"{self.threshold.normalize():f}"
            if value is None:
                return _(
                    "Finish in the top %(percent)s%% of the final ranking. "
                    "You are not ranked yet."
                ) % {"percent": percent}
            return _(
                "Finish in the top %(percent)s%% of the final ranking. "
                "You are in the top %(you)s%%."
            ) % {"percent": percent, "you": f"{value:.1f}"}
        if self.kind == Kind.HOMEWORK_POINTS:
            return _("Earn at least %(n)s homework points. You have %(you)s.") % {
                "n": f"{self.threshold.normalize():f}",
                "you": f"{value:g}",
            }
        sentences = {
            Kind.HOMEWORK_WEEKS_PASSED: ngettext(
                "Pass the homework in at least %(n)s week. You have passed %(you)s.",
                "Pass the homework in at least %(n)s weeks. You have passed %(you)s.",
                n,
            ),
            Kind.SUMMARIES_SUBMITTED: ngettext(
                "Submit the lecture summary in at least %(n)s week. "
                "You have submitted %(you)s.",
                "Submit the lecture summary in at least %(n)s weeks. "
                "You have submitted %(you)s.",
                n,
            ),
            Kind.SUMMARIES_ACCEPTED: ngettext(
                "Have the lecture summary accepted in at least %(n)s week. "
                "Accepted so far: %(you)s.",
                "Have the lecture summary accepted in at least %(n)s weeks. "
                "Accepted so far: %(you)s.",
                n,
            ),
        }
        return sentences[self.kind] % {"n": n, "you": value}


def tiers_with_criteria(course: Course, metrics: Metrics) -> list[dict]:
    """Every tier with every rule, met or missing, for the progress page."""
    tiers = []
    for tier in CompletionTier.objects.filter(course=course).prefetch_related("rules"):
        criteria = [
            Criterion(
                kind=rule.kind,
                label=rule.get_kind_display(),
                threshold=rule.threshold,
                value=rule_value(rule.kind, metrics),
                met=rule_met(rule.kind, rule.threshold, metrics),
            )
            for rule in tier.rules.all()
        ]
        tiers.append(
            {
                "tier": tier,
                "criteria": criteria,
                "met": bool(criteria) and all(c.met for c in criteria),
            }
        )
    return tiers


def rule_totals(course: Course) -> dict:
    """What "N of …" counts against on the rules page: the published
    homework and surveys (one query)."""
    from quizzes.surveys.models import Survey

    def published(model) -> Coalesce:
        return Coalesce(
            Subquery(
                model.objects.filter(lecture__course=OuterRef("pk"), published=True)
                .order_by()
                .values("lecture__course")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        )

    return (
        Course.objects.filter(pk=course.pk)
        .annotate(weeks=published(Homework), surveys=published(Survey))
        .values("weeks", "surveys")
        .get()
    )


def recorded_tier_counts(course: Course) -> dict[int | None, int]:
    """Completing learners per final tier in the recorded decisions (the
    same final outcome the dashboard and certificates read)."""
    return dict(
        CompletionRecord.objects.filter(
            final_outcome_q(Outcome.COMPLETE), course=course
        )
        .annotate(**final_decision_sql())
        .order_by()
        .values("final_tier")
        .annotate(n=Count("pk"))
        .values_list("final_tier", "n")
    )


# The weekly grid ----------------------------------------------------------


def course_weeks(course: Course, *, user_id=None) -> list[dict]:
    """Published lectures with their homework's pass mark and due times (one
    query); with `user_id`, the learner's due times in force (with any
    extension) as `homework__due_at` and `survey__due_at`."""
    lectures = Lecture.objects.filter(course=course, published=True)
    if user_id is not None:
        lectures = lectures.annotate(
            homework_due=Homework.objects.due_for(user_id, prefix="homework__"),
            survey_due=Survey.objects.due_for(user_id, prefix="survey__"),
        )
    else:
        lectures = lectures.annotate(
            homework_due=F("homework__due_at"), survey_due=F("survey__due_at")
        )
    return list(
        lectures.order_by("number").values(
            "pk",
            "number",
            "title",
            "homework__pass_mark",
            "homework__published",
            homework__due_at=F("homework_due"),
            survey__due_at=F("survey_due"),
        )
    )


def week_grid(
    course: Course, user_ids: list[int], *, learner_now=None
) -> dict[int, dict[int, dict]]:
    """user id -> lecture number -> {"submitted", "score", "passed",
    "summary"} for the given learners, in two queries.

    With `learner_now` (the learner's own progress page), every submission
    is marked submitted, graded or not, and a score and pass/fail are given
    only for homework revealed at that time; staff (no `learner_now`) see
    every score."""
    grid: dict[int, dict[int, dict]] = {uid: {} for uid in user_ids}
    if not user_ids:
        return grid
    submissions = Submission.objects.filter(
        homework__lecture__course=course, homework__published=True
    )
    if learner_now is None:
        submissions = submissions.filter(score__isnull=False)
        revealed = Value(True)
    else:
        revealed = ExpressionWrapper(
            revealed_to_learner_q(learner_now), output_field=BooleanField()
        )
    for user_id, number, score, passed, shown in (
        submissions.filter(user_id__in=user_ids)
        .with_passed()
        .annotate(shown=revealed)
        .values_list("user_id", "homework__lecture__number", "score", "passed", "shown")
    ):
        cell = grid[user_id].setdefault(number, {})
        cell["submitted"] = True
        if shown and score is not None:
            cell.update(score=score, passed=passed)
    for user_id, number, state in SurveyResponse.objects.filter(
        survey__lecture__course=course, user_id__in=user_ids
    ).values_list("user_id", "survey__lecture__number", "review_state"):
        grid[user_id].setdefault(number, {})["summary"] = state
    return grid


# The staff dashboard -------------------------------------------------------

# Keyset orders (field, descending) for each sort; the id breaks ties, in the
# same direction so one index scan serves a page (Enrollment's indexes).
SORTS = {
    "name": ["user__display_name", "user__email", "pk"],
    "points": ["homework_points", "pk"],
    "passed": ["weeks_passed", "pk"],
    "summaries": ["summaries", "pk"],
}


def dashboard_keys(sort: str, *, descending: bool) -> list[tuple[str, bool]]:
    return [(name, descending) for name in SORTS.get(sort, SORTS["name"])]


def _required(course: Course, *kinds: str) -> dict[str, int]:
    """Per kind, the threshold of the lowest-ranked tier that has a rule of
    that kind (what completing needs at least), 0 when no tier has one; one
    query for all the kinds."""
    required = dict.fromkeys(kinds, 0)
    seen = set()
    for kind, threshold in (
        CompletionRule.objects.filter(tier__course=course, kind__in=kinds)
        .order_by("tier__rank")
        .values_list("kind", "threshold")
    ):
        if kind not in seen:
            seen.add(kind)
            required[kind] = int(threshold)
    return required


def dashboard_rows(
    *,
    course: Course,
    outcome: str = "",
    tier: str = "",
    category: str = "",
    at_risk: bool = False,
    q: str = "",
    sort: str = "name",
    descending: bool = False,
    now=None,
    risk: "AtRisk | None" = None,
) -> QuerySet:
    """Approved enrollments with their stored totals (completion.totals) and
    final outcome, filtered in the database; the caller orders and pages
    them by `dashboard_keys` (keyset pages), so a page costs the same
    whatever the cohort's size."""
    now = now or timezone.now()
    rows = (
        Enrollment.objects.filter(course=course, status=Enrollment.Status.APPROVED)
        .select_related("user", "completion")
        .annotate(
            has_extension=Exists(
                Extension.objects.active().filter(
                    course=course, user_id=OuterRef("user_id")
                )
            ),
            **final_decision_sql("completion__"),
        )
    )
    if outcome:
        # The record's own course, though it is the enrollment's: with it the
        # planner reads how many of this course's records have the outcome
        # (the statistics on course and decision, completion/0009) instead
        # of guessing from every course's.
        rows = rows.filter(final_outcome_q(outcome, "completion__", course=course))
    if tier:
        rows = rows.filter(completion__decision_tier=tier)
    if category:
        rows = rows.filter(category=category)
    if q:
        rows = rows.filter(
            Q(user__email__icontains=q) | Q(user__display_name__icontains=q)
        )
    if at_risk:
        rows = rows.filter(at_risk_filter(course, now=now, risk=risk))
    return rows.order_by(
        *(
            f"-{name}" if desc else name
            for name, desc in dashboard_keys(sort, descending=descending)
        )
    )


@dataclass(frozen=True)
class AtRisk:
    """What "at risk" is measured against at a time: the first tier's needs,
    the weeks still to come, and the last two weeks already due."""

    need_passed: int
    need_summaries: int
    remaining: int
    last_two: list[tuple[int, int]]  # (homework id, lecture id)


def at_risk_inputs(course: Course, *, now) -> AtRisk:
    """Two queries: the lectures with their homework, and the first tier's
    needs."""
    lectures = 0
    due = []
    for lecture_id, published, homework_id, homework_published, due_at in (
        Lecture.objects.filter(course=course)
        .order_by()
        .values_list(
            "pk", "published", "homework__pk", "homework__published", "homework__due_at"
        )
    ):
        lectures += published
        if homework_published and due_at <= now:
            due.append((due_at, homework_id, lecture_id))
    due = [
        (homework_id, lecture_id) for _, homework_id, lecture_id in sorted(due)[::-1]
    ]
    required = _required(
        course,
        Kind.HOMEWORK_WEEKS_PASSED,
        Kind.SUMMARIES_SUBMITTED,
        Kind.SUMMARIES_ACCEPTED,
    )
    return AtRisk(
        need_passed=required[Kind.HOMEWORK_WEEKS_PASSED],
        need_summaries=max(
            required[Kind.SUMMARIES_SUBMITTED], required[Kind.SUMMARIES_ACCEPTED]
        ),
        remaining=lectures - len(due),
        last_two=due[:2] if len(due) >= 2 else [],
    )


def at_risk_q(course: Course, *, now, risk: AtRisk | None = None) -> Q:
    """Learners who cannot complete any more (even passing every homework and
    summary still to come would not reach the first tier), or who missed both
    the homework and the summary of the last two weeks already due. The
    dashboard states this definition from the same `AtRisk` numbers."""
    risk = risk or at_risk_inputs(course, now=now)
    homeworks = Homework.objects.filter(lecture__course=course, published=True)
    # Work past its due time that a learner's extension keeps open is still
    # to come for them (counted only for learners with an extension).
    reopened = (
        homeworks.filter(due_at__lte=now)
        .alias(due_in_force=Homework.objects.due_for(OuterRef(OuterRef("user_id"))))
        .filter(due_in_force__gt=now)
        .order_by()
        .values("lecture__course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # `user_id IN (…)` rather than correlated EXISTS: PostgreSQL hashes the
    # subquery once instead of probing it for each of 100,000 learners.
    extended = Q(
        user_id__in=Extension.objects.active().filter(course=course).values("user_id")
    )
    to_come = Value(risk.remaining) + Case(
        When(extended, then=Coalesce(Subquery(reopened), 0)),
        default=0,
        output_field=IntegerField(),
    )
    condition = Q(weeks_passed__lt=Value(risk.need_passed) - to_come) | Q(
        summaries__lt=Value(risk.need_summaries) - to_come
    )
    if risk.last_two:
        # A learner whose extension keeps either of them open has not missed it.
        still_open = Homework.objects.filter(
            pk__in=[pk for pk, _ in risk.last_two]
        ).alias(due_in_force=Homework.objects.due_for(OuterRef(OuterRef("user_id"))))
        # Only an extended learner can have either still open (the Case keeps
        # the per-learner due-date subquery to them).
        reopened_either = Case(
            When(extended, then=Exists(still_open.filter(due_in_force__gt=now))),
            default=Value(False),
            output_field=BooleanField(),
        )
        homeworks_due = [pk for pk, _ in risk.last_two]
        lectures_due = [lecture for _, lecture in risk.last_two]
        condition |= (
            ~Q(reopened_either)
            & ~Q(
                user_id__in=Submission.objects.filter(
                    homework_id__in=homeworks_due
                ).values("user_id")
            )
            & ~Q(
                user_id__in=SurveyResponse.objects.filter(
                    survey__lecture_id__in=lectures_due
                ).values("user_id")
            )
        )
    return condition


def _extensions_now(course: Course, *, now) -> dict:
    """The course's extensions as "at risk" depends on them: which exist and
    which were revoked (a grant adds a row, a revoke stamps one), and how
    many of the extended learners' homework due times have passed by `now`
    (each one passing re-decides that learner). One query, two when someone
    has an active extension."""
    extensions = Extension.objects.filter(course=course).aggregate(
        n=Count("pk"),
        last=Max("pk"),
        revoked=Max("revoked_at"),
        active=Count("pk", filter=Q(revoked_at__isnull=True)),
    )
    extensions["closed"] = 0
    if extensions["active"]:
        closed = (
            Homework.objects.filter(
                lecture__course=course, published=True, due_at__lte=now
            )
            .alias(due_in_force=Homework.objects.due_for(OuterRef(OuterRef("user_id"))))
            .filter(due_in_force__lte=now)
            .order_by()
            .values("lecture__course")
            .annotate(n=Count("pk"))
            .values("n")
        )
        extended = Extension.objects.active().filter(course=course).values("user_id")
        extensions["closed"] = (
            Enrollment.objects.filter(course=course, user_id__in=extended)
            .annotate(closed=Coalesce(Subquery(closed), 0))
            .aggregate(total=Sum("closed"))["total"]
        )
    return extensions


def at_risk_key(course: Course, risk: AtRisk, *, now) -> str:
    """What "at risk" is decided against at `now`, besides each learner's
    own totals and work: `risk` and the course's extensions. The stored
    flags (`Enrollment.at_risk`, written by completion.totals) hold while
    this key is the one they were written under: no deadline or extended
    deadline passed, no rule, published lecture or extension changed."""
    extensions = _extensions_now(course, now=now)
    revoked = extensions["revoked"].isoformat() if extensions["revoked"] else ""
    return (
        f"{risk.need_passed}:{risk.need_summaries}:{risk.remaining}:"
        f"{'-'.join(f'{h}.{lec}' for h, lec in risk.last_two)}:"
        f"{extensions['n']}.{extensions['last']}.{revoked}.{extensions['closed']}"
    )


def at_risk_filter(course: Course, *, now, risk: AtRisk | None = None) -> Q:
    """The dashboard's at-risk filter: `at_risk_q`, read from the flags the
    last totals refresh stored with it while nothing it was decided against
    has changed since (`at_risk_key`), as a plain column the planner knows
    the share of, so a page is read through the sort's own index. Otherwise
    (a deadline passed since the refresh) `at_risk_q` itself, until the next
    periodic run re-decides the flags (at most DASHBOARD_TOTALS_SECONDS
    later). Two queries, three when someone has an extension."""
    risk = risk or at_risk_inputs(course, now=now)
    stored_under = (
        TotalsState.objects.filter(course=course)
        .values_list("risk_key", flat=True)
        .first()
    )
    if stored_under == at_risk_key(course, risk, now=now):
        return Q(at_risk=True)
    return at_risk_q(course, now=now, risk=risk)


def dashboard_columns(weeks: list[dict]) -> list[str]:
    return (
        ["email", "name", "category"]
        + [f"week{w['number']}_score" for w in weeks]
        + [f"week{w['number']}_summary" for w in weeks]
        + ["homework_points", "weeks_passed", "summaries", "outcome", "tier"]
    )


def dashboard_csv_query(course: Course, rows: QuerySet) -> tuple[str, list, list]:
    """The dashboard's CSV as one query: (sql, params, header). `rows` is the
    filtered, sorted `dashboard_rows`; the weekly grid (staff's view, as
    `week_grid` gives it: every graded score of published homework, each
    summary's review state) comes from two aggregates grouped by learner and
    joined in, so a cohort of 100,000 costs a few scans and no query per
    chunk. Learners' text is made formula-safe in the query."""
    weeks = course_weeks(course)
    homework_ids = dict(
        Homework.objects.filter(
            lecture__course=course, lecture__published=True, published=True
        ).values_list("lecture__number", "pk")
    )
    survey_ids = dict(
        Survey.objects.filter(
            lecture__course=course, lecture__published=True
        ).values_list("lecture__number", "pk")
    )
    numbers = [w["number"] for w in weeks]
    # The same order as the page: a row number over the sort, read outside.
    order = [
        F(field[1:]).desc() if field.startswith("-") else F(field).asc()
        for field in rows.query.order_by
    ]
    learners = (
        rows.select_related(None)
        .annotate(
            csv_email=csv_safe_expression("user__email"),
            csv_name=csv_safe_expression("user__display_name"),
            csv_category=F("category"),
            csv_position=Window(RowNumber(), order_by=order),
        )
        .order_by()
        .values(
            "user_id",
            "csv_email",
            "csv_name",
            "csv_category",
            "homework_points",
            "weeks_passed",
            "summaries",
            "final_outcome",
            "final_tier",
            "csv_position",
        )
    )
    scores = (
        Submission.objects.filter(
            homework_id__in=list(homework_ids.values()), score__isnull=False
        )
        .order_by()
        .values("user_id")
        .annotate(
            **{
                f"w{n}": Max("score", filter=Q(homework_id=homework_ids[n]))
                for n in numbers
                if n in homework_ids
            }
        )
    )
    summaries = (
        SurveyResponse.objects.filter(survey_id__in=list(survey_ids.values()))
        .order_by()
        .values("user_id")
        .annotate(
            **{
                f"w{n}": Max("review_state", filter=Q(survey_id=survey_ids[n]))
                for n in numbers
                if n in survey_ids
            }
        )
    )
    parts = [learners.query.sql_with_params()]
    columns = ["r.csv_email", "r.csv_name", "r.csv_category"]
    columns += [f"g.w{n}" if n in homework_ids else "NULL" for n in numbers]
    columns += [f"s.w{n}" if n in survey_ids else "NULL" for n in numbers]
    columns += ["r.homework_points", "r.weeks_passed", "r.summaries"]
    columns += ["r.final_outcome", "t.name_en"]
    joins = ""
    for alias, query in (("g", scores), ("s", summaries)):
        if query.query.annotations:  # else every week's column is NULL
            parts.append(query.query.sql_with_params())
            joins += f" LEFT JOIN ({parts[-1][0]}) {alias}"
            joins += f" ON {alias}.user_id = r.user_id"
    tier_table = CompletionTier._meta.db_table
    # Only ORM-built SQL and fixed names go in; values travel as params.
    sql = (
        f"SELECT {', '.join(columns)} FROM ({parts[0][0]}) r{joins}"  # noqa: S608
        f" LEFT JOIN {tier_table} t ON t.id = r.final_tier"
        " ORDER BY r.csv_position"
    )
    params = [param for _sql, part in parts for param in part]
    return sql, params, dashboard_columns(weeks)
