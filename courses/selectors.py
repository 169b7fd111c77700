"""Reads of the courses app: home, this week, the staff's application list.

Deadlines come from other apps through a small registry: homework and
surveys register a provider with `register_deadline_provider`, and every
page (and the calendar feed) asks `deadlines_for(...)`.
"""

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import (
    Announcement,
    Course,
    CourseRole,
    Enrollment,
    Extension,
    Lecture,
)
from lms.csv import csv_timestamp

# A deadline dict: {"uid": stable id for the calendar, "title": str,
# "due_at": aware datetime, "url": str, "kind": "homework" | "survey" | …,
# "state": "not_started" | "draft" | "submitted" | "late" | "closed",
# "state_label": the state in the reader's language (optional)}.
logger = logging.getLogger(__name__)

DeadlineProvider = Callable[..., list[dict]]
_deadline_providers: list[DeadlineProvider] = []


def register_deadline_provider(provider: DeadlineProvider) -> DeadlineProvider:
    """Register `provider(*, course, user, start, end) -> list[dict]`; usable
    as a decorator. `user` may be None (a course-wide view); `start`/`end`
    may be None (no bound: the calendar feed asks for everything)."""
    if provider not in _deadline_providers:
        _deadline_providers.append(provider)
    return provider


def deadlines_for(
    *,
    course: Course,
    user=None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[dict]:
    """Every registered deadline of the course between start and end, soonest
    first. The hook other apps extend; empty until they do."""
    deadlines: list[dict] = []
    for provider in _deadline_providers:
        deadlines.extend(provider(course=course, user=user, start=start, end=end))
    return sorted(deadlines, key=lambda d: d["due_at"])


def _state(item) -> tuple[str, str]:
    """The learner's state of one deadline (its `window`, annotated by the
    item model's own rule), and its label."""
    if getattr(item, "sent_back", False):
        return "needs_revision", _("Needs revision")
    if getattr(item, "submitted_late", False):
        return "late", _("Submitted late")
    if getattr(item, "submitted", False):
        return "submitted", _("Submitted")
    if item.window == "closed":
        return "closed", _("Closed")
    if item.window == "late":
        return "late", _("Late submission open")
    if getattr(item, "has_draft", False):
        return "draft", _("Draft saved")
    return "not_started", _("Not started")


def lecture_item_deadlines(
    items: QuerySet,
    *,
    user,
    start,
    end,
    fk: str,
    submissions,
    late_field: str,
    drafts,
    kind: str,
    title: str,
    sent_back: Q | None = None,
) -> list[dict]:
    """For a deadline provider: the deadlines of `items` (homework or surveys,
    whose querysets define `visible_to_learners()` and `with_window(now)`)
    with the learner's state. `submissions`/`drafts` are the models holding
    the learner's work, linked to the item by `fk`; `sent_back`, a condition
    on a submission meaning staff sent it back for revision (that learner
    has work to do, which "submitted" would hide)."""
    now = timezone.now()
    learner = user is not None and user.is_authenticated
    items = (
        items.visible_to_learners()
        .with_window(now, user_id=user.pk if learner else None)
        .select_related("lecture")
    )
    if start is not None:
        items = items.filter(due_in_force__gte=start)
    if end is not None:
        items = items.filter(due_in_force__lt=end)
    if learner:
        mine = submissions.objects.filter(**{fk: OuterRef("pk"), "user": user})
        items = items.annotate(
            submitted=Exists(mine),
            submitted_late=Exists(mine.filter(**{late_field: True})),
            has_draft=Exists(
                drafts.objects.filter(**{fk: OuterRef("pk"), "user": user})
            ),
        )
        if sent_back is not None:
            items = items.annotate(sent_back=Exists(mine.filter(sent_back)))
    deadlines = []
    for item in items.order_by("due_in_force"):
        state, label = _state(item)
        deadlines.append(
            {
                "uid": f"{kind}-{item.pk}",
                "title": title % {"number": item.lecture.number},
                "due_at": item.due_in_force,
                "extended": item.due_in_force != item.due_at,
                "url": item.get_absolute_url(),
                "kind": kind,
                "state": state,
                "state_label": label,
            }
        )
    return deadlines


def this_week(*, course: Course, user, now: datetime | None = None) -> dict:
    """What an approved learner needs this week: the next live lecture (with
    its link only around the lecture), the week's deadlines, the latest
    published lectures."""
    now = now or timezone.now()
    lectures = Lecture.objects.filter(course=course, published=True)
    next_lecture = (
        lectures.alias(
            ends_at=ExpressionWrapper(
                F("starts_at") + F("duration"), output_field=DateTimeField()
            )
        )
        .filter(ends_at__gte=now)
        .order_by("starts_at")
        .first()
    )
    today = timezone.localtime(now, course.tzinfo).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return {
        "next_lecture": next_lecture,
        "live_link_visible": bool(next_lecture and next_lecture.live_link_visible(now)),
        "deadlines": deadlines_for(
            course=course, user=user, start=today, end=today + timedelta(days=7)
        ),
        "latest_lectures": list(
            lectures.filter(starts_at__lte=now).order_by("-starts_at")[:3]
        ),
    }


def latest_announcements(*, course: Course, limit: int = 5) -> list[Announcement]:
    return list(course.announcements.all()[:limit])


def courses_for_home(user) -> dict:
    """The home page: the user's courses (this week of each approved one) and
    the catalog of the other courses. A course is listed once: under "My
    courses" when the user has applied (a withdrawn learner finds it there,
    with the way back), otherwise in the catalog."""
    catalog: QuerySet[Course] = Course.objects.exclude(state=Course.State.DRAFT)
    enrollments = []
    weeks = []
    if user.is_authenticated:
        enrollments = list(
            Enrollment.objects.filter(user=user)
            .exclude(course__state=Course.State.DRAFT)
            .select_related("course")
            .order_by("-applied_at", "-pk")
        )
        catalog = catalog.exclude(enrollments__user=user)
        weeks = [
            {"course": e.course, **this_week(course=e.course, user=user)}
            for e in enrollments
            if e.status == Enrollment.Status.APPROVED
        ]
    return {"catalog": list(catalog), "enrollments": enrollments, "weeks": weeks}


# Staff ---------------------------------------------------------------------

APPLICATION_SORTS = {
    "-applied": ["-applied_at", "-pk"],
    "applied": ["applied_at", "pk"],
    "name": ["user__display_name", "pk"],
    "email": ["user__email", "pk"],
    "affiliation": ["affiliation", "pk"],
    "status": ["status", "-applied_at", "-pk"],
}


def applications_for_staff(
    *,
    course: Course,
    status: str = "",
    category: str = "",
    q: str = "",
    sort: str = "-applied",
) -> QuerySet[Enrollment]:
    """The staff's application list, filtered; one query per page whatever
    the size (user and decider joined)."""
    rows = Enrollment.objects.filter(course=course).select_related("user", "decided_by")
    if status:
        rows = rows.filter(status=status)
    if category:
        rows = rows.filter(category=category)
    if q := q.strip():
        rows = rows.filter(_application_search(course, q))
    return rows.order_by(*APPLICATION_SORTS.get(sort, APPLICATION_SORTS["-applied"]))


def _application_search(course: Course, q: str) -> Q:
    """Applications whose learner's name or email, or whose affiliation,
    contains `q` (any letter case). The learner's columns and the
    affiliation are in two tables: ORed in one condition, no index can
    answer it and PostgreSQL read every application of the course. As a
    UNION each part is a lookup in its trigram index (accounts 0003, courses
    0009). A query under three characters has no trigram: the plain OR."""
    by_learner = Q(user__display_name__icontains=q) | Q(user__email__icontains=q)
    by_affiliation = Q(affiliation__icontains=q)
    if len(q) < 3:
        return by_learner | by_affiliation
    course_rows = Enrollment.objects.filter(course=course)
    matches = (
        course_rows.filter(by_learner)
        .values("pk")
        .union(course_rows.filter(by_affiliation).values("pk"))
    )
    return Q(pk__in=matches)


def application_keys(sort: str) -> list[tuple[str, bool]]:
    """The list's order as keyset keys: (field, descending) pairs."""
    return [
        (name.lstrip("-"), name.startswith("-"))
        for name in APPLICATION_SORTS.get(sort, APPLICATION_SORTS["-applied"])
    ]


def applications_csv_header(questions: list) -> list[str]:
    return [
        "email",
        "name",
        "category",
        "affiliation",
        "status",
        "applied_at",
        "decided_by",
        "decided_at",
    ] + [question.text for question in questions]


def applications_csv_rows(
    *, course: Course, rows: QuerySet[Enrollment], questions: list
) -> Iterator[list]:
    """One row per application, read with a server-side cursor so memory
    stays flat; times through the one CSV timestamp (course time zone)."""
    tz = course.tzinfo
    for e in rows.iterator(chunk_size=2000):
        yield [
            e.user.email,
            e.user.display_name,
            e.category,
            e.affiliation,
            e.status,
            csv_timestamp(e.applied_at, tz),
            e.decided_by.email if e.decided_by else "",
            csv_timestamp(e.decided_at, tz),
        ] + [_answer_text(e.answers.get(q.answer_key, "")) for q in questions]


def _answer_text(answer) -> str:
    """A multiple-choice answer is a list: one cell, choices joined."""
    if isinstance(answer, list):
        return "; ".join(str(a) for a in answer)
    return str(answer)


def application_counts(*, course: Course) -> dict:
    """Applications per status, in one query."""
    counts = dict.fromkeys(Enrollment.Status.values, 0)
    rows = (
        Enrollment.objects.filter(course=course)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts[row["status"]] = row["n"]
    counts["all"] = sum(counts.values())
    return counts


# The staff area ------------------------------------------------------------

STAFF_COURSES_SECONDS = 300


def _staff_courses_key(user_id) -> str:
    return f"courses:staff-of:{user_id}"


def staff_courses_of(user) -> list[dict]:
    """[{"slug", "title"}] of the courses the user runs (staff or admin;
    every course for a superuser), newest first. Every page's header asks,
    so a course role is read from the cache, dropped when a role changes."""
    if not user.is_authenticated:
        return []
    courses = Course.objects.order_by("-created_at").values("slug", "title")
    if user.is_superuser:
        return list(courses)
    key = _staff_courses_key(user.pk)
    try:
        cached = cache.get(key)
    except Exception:  # the cache is down: ask the database
        cached = None
    if cached is None:
        cached = list(courses.filter(roles__user=user))
        try:
            cache.set(key, cached, STAFF_COURSES_SECONDS)
        except Exception:  # the cache is down: the next page asks again
            logger.warning("could not cache the staff courses of %s", user.pk)
    return cached


def forget_staff_courses(user_id) -> None:
    try:
        cache.delete(_staff_courses_key(user_id))
    except Exception:  # nothing cached while the cache is down
        logger.warning("could not drop the staff courses of %s", user_id)


@receiver(post_save, sender=CourseRole)
@receiver(post_delete, sender=CourseRole)
def _course_role_changed(sender, instance, **kwargs) -> None:
    forget_staff_courses(instance.user_id)


def extensions_for_staff(
    *, course: Course, q: str = "", status: str = "active", scope: str = ""
) -> QuerySet[Extension]:
    """The course's extensions, newest first, filtered; one query per page
    (learner, lecture and the staff who granted and revoked joined)."""
    rows = Extension.objects.filter(course=course).select_related(
        "user", "lecture", "granted_by", "revoked_by"
    )
    if status == "active":
        rows = rows.active()
    elif status == "revoked":
        rows = rows.filter(revoked_at__isnull=False)
    if scope:
        rows = rows.filter(scope=scope)
    if q := q.strip():
        rows = rows.filter(
            Q(user__display_name__icontains=q) | Q(user__email__icontains=q)
        )
    return rows.order_by("-granted_at", "-pk")


def extensions_covering(
    *, course: Course, scope: str, lecture: Lecture | None = None, due_at=None
) -> list[dict]:
    """For staff's results pages: each learner whose active extension moves
    this item's deadline, with their extra time and (given the item's
    `due_at`) their due time in force; the longest extension per learner."""
    rows = (
        Extension.objects.covering(
            scope=scope, lecture_id=lecture.pk if lecture else None
        )
        .filter(course=course)
        .select_related("user")
        .order_by("user__email", "-extra_time")
    )
    learners: dict[int, dict] = {}
    for extension in rows:
        if extension.user_id not in learners:
            learners[extension.user_id] = {
                "user": extension.user,
                "extension": extension,
                "due_at": due_at + extension.extra_time if due_at else None,
            }
    return list(learners.values())
