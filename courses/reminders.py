"""Deadline reminders, with no staff action: for each open homework and
survey, the approved learners who have not submitted are reminded at the
course's `reminder_offsets` before the due time, once each.

Homework and surveys register a source here (as they register deadline
providers), so `courses` never imports them. The selection is set-based:
one query finds the items, then one INSERT ... SELECT per item and offset
records every learner's reminder (`notifications.services.notify`, ON
CONFLICT DO NOTHING on the per-learner/item/offset dedupe key), so two beat
processes, or a task redelivered after a worker died, send nothing twice.

Each offset owns a window: the 48 h reminder from 48 h up to 6 h before the
due time, the 6 h one from 6 h up to the due time. A learner falls in one
window at a time, so a beat that was down for a day sends the reminder that
is current, not every one it missed.

The learner's due time is a column of the recipient query (`due`), not a
constant of the item: per-learner extensions plug in there
(`learner_due`), and everything after it follows.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import DateTimeField, Exists, OuterRef, QuerySet, Value
from django.utils import timezone

from courses.models import MAX_REMINDER_HOURS, Enrollment
from notifications.models import Kind
from notifications.services import notify

ReminderSource = Callable[..., int]
_sources: list[ReminderSource] = []


def register_reminder_source(source: ReminderSource) -> ReminderSource:
    """Register `source(*, now) -> int` (reminders recorded); a decorator."""
    if source not in _sources:
        _sources.append(source)
    return source


def reminders_send_due(*, now: datetime | None = None) -> int:
    """The beat task's work: every registered source, at one `now`."""
    now = now or timezone.now()
    return sum(source(now=now) for source in _sources)


def learner_due(item) -> Value:
    """The due time of `item` per learner, as an expression over enrollments
    (OuterRef-free: a plain column for the recipient query). Without
    extensions it is the item's own due time."""
    return Value(item.due_at, output_field=DateTimeField())


def reminder_windows(offsets: list[timedelta]) -> list[tuple[timedelta, timedelta]]:
    """[(48 h, 6 h), (6 h, 0)] for offsets [48 h, 6 h]: each reminder's
    window, as (from, until) before the due time."""
    return list(zip(offsets, [*offsets[1:], timedelta(0)], strict=False))


def reminder_recipients(
    item,
    *,
    course_id: int,
    now: datetime,
    window: tuple[timedelta, timedelta],
    fk: str,
    submissions,
) -> QuerySet:
    """User ids of the approved learners of the course who have not
    submitted `item` and whose due time is in `window` from `now`."""
    start, end = window
    submitted = submissions.objects.filter(**{fk: item.pk, "user": OuterRef("user")})
    return (
        Enrollment.objects.filter(
            course_id=course_id, status=Enrollment.Status.APPROVED
        )
        .annotate(due=learner_due(item))
        .filter(due__gt=now + end, due__lte=now + start)
        .exclude(Exists(submitted))
        .values("user_id")
    )


def lecture_item_reminders_send(
    items: QuerySet,
    *,
    now: datetime,
    fk: str,
    submissions,
    kind: str,
) -> int:
    """For a reminder source: remind the learners of every open item among
    `items` (homework or surveys: querysets with `visible_to_learners()` and
    `with_window(now)`, the deadline rule) whose reminder time has come."""
    soon = now + timedelta(hours=MAX_REMINDER_HOURS)
    open_items = (
        items.visible_to_learners()
        .with_window(now)
        .filter(window="open", due_at__lte=soon)
        .select_related("lecture__course")
    )
    recorded = 0
    for item in open_items:
        course = item.lecture.course
        for window in reminder_windows(course.reminder_offsets):
            hours = int(window[0].total_seconds() // 3600)
            due = timezone.localtime(item.due_at, course.tzinfo)
            recorded += notify(
                reminder_recipients(
                    item,
                    course_id=course.pk,
                    now=now,
                    window=window,
                    fk=fk,
                    submissions=submissions,
                ),
                Kind.DEADLINE_REMINDER,
                course=course,
                url=item.get_absolute_url(),
                params={
                    "item": kind,
                    "number": item.lecture.number,
                    "course": course.title,
                    "due": f"{due:%Y-%m-%d %H:%M} ({course.timezone})",
                },
                dedupe_key=f"reminder:{kind}:{item.pk}:{hours}h",
                now=now,
            )
    return recorded
