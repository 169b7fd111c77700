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
constant of the item: the item's due time plus the learner's extension
(`learner_extra`: `Extension.objects.extra_time`, the deadline rule's own),
so an extended learner is reminded before their own due time, and an item
closed for the others stays in the pass while someone's extension keeps it
open. Learners are reminded in one INSERT ... SELECT per item, offset and
distinct extra time (almost always one: nobody extended), so each reminder
names the learner's own due time.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import product

from django.db.models import (
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    QuerySet,
    Value,
)
from django.utils import timezone

from courses.models import MAX_REMINDER_HOURS, Enrollment, Extension
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


def learner_extra(item):
    """The learner's extra time for `item` (homework or survey), as an
    expression over enrollments: zero without an extension."""
    return Extension.objects.extra_time(
        user_id=OuterRef("user_id"),
        course_id=item.lecture.course_id,
        scope=type(item).objects.get_queryset().extension_scope,
        lecture_id=item.lecture_id,
    )


def learner_due(item):
    """The due time of `item` per learner, as an expression over enrollments:
    the item's own plus the learner's extension."""
    return ExpressionWrapper(
        Value(item.due_at, output_field=DateTimeField()) + learner_extra(item),
        output_field=DateTimeField(),
    )


def _extra_times(item) -> list[timedelta]:
    """The distinct extra times learners have for `item`, no extension first."""
    extras = Extension.objects.covering(
        scope=type(item).objects.get_queryset().extension_scope,
        lecture_id=item.lecture_id,
    ).filter(course_id=item.lecture.course_id)
    return [
        timedelta(0),
        *sorted(set(extras.values_list("extra_time", flat=True).order_by())),
    ]


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
    extra: timedelta | None = None,
) -> QuerySet:
    """User ids of the approved learners of the course who have not
    submitted `item` and whose due time is in `window` from `now` (with
    `extra`, only those with that much extra time)."""
    start, end = window
    submitted = submissions.objects.filter(**{fk: item.pk, "user": OuterRef("user")})
    recipients = (
        Enrollment.objects.filter(
            course_id=course_id, status=Enrollment.Status.APPROVED
        )
        .annotate(due=learner_due(item))
        .filter(due__gt=now + end, due__lte=now + start)
        .exclude(Exists(submitted))
    )
    if extra is not None:
        recipients = recipients.alias(extra=learner_extra(item)).filter(extra=extra)
    return recipients.values("user_id")


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
    # Open for someone: the item's due time plus the longest extension of it.
    open_items = (
        items.visible_to_learners()
        .with_window(now)
        .exclude(window="not_open")
        .alias(latest_due=items.due_for_anyone())
        .filter(latest_due__gt=now, due_at__lte=soon)
        .select_related("lecture__course")
    )
    recorded = 0
    for item in open_items:
        course = item.lecture.course
        extras = _extra_times(item)
        for window, extra in product(reminder_windows(course.reminder_offsets), extras):
            hours = int(window[0].total_seconds() // 3600)
            due = timezone.localtime(item.due_at + extra, course.tzinfo)
            recorded += notify(
                reminder_recipients(
                    item,
                    course_id=course.pk,
                    now=now,
                    window=window,
                    fk=fk,
                    submissions=submissions,
                    extra=extra if len(extras) > 1 else None,
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
