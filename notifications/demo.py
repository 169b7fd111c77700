"""Demo notifications: `learner@example.com` finds unread ones in the bell
(a deadline reminder, a summary sent back, results, an announcement) and
one already read. Idempotent through the dedupe keys."""

from datetime import timedelta

from django.utils import timezone

from notifications.models import Kind, Notification
from notifications.services import notify


def seed(*, course, admin, staff, learner) -> None:
    now = timezone.now()
    slug = course.slug
    due = timezone.localtime(now + timedelta(hours=30), course.tzinfo)
    events = [
        (
            Kind.ANNOUNCEMENT,
            f"/courses/{slug}/",
            {"course": course.title, "title": "Welcome to the demo course"},
            timedelta(days=6),
        ),
        (
            Kind.HOMEWORK_REVEALED,
            f"/courses/{slug}/lectures/1/homework/",
            {"item": "homework", "number": 1},
            timedelta(days=3),
        ),
        (
            Kind.SUMMARY_NEEDS_REVISION,
            f"/courses/{slug}/lectures/2/survey/",
            {"item": "survey", "number": 2},
            timedelta(days=1),
        ),
        (
            Kind.DEADLINE_REMINDER,
            f"/courses/{slug}/",
            {
                "item": "homework",
                "number": 3,
                "due": f"{due:%Y-%m-%d %H:%M} ({course.timezone})",
            },
            timedelta(hours=2),
        ),
    ]
    for kind, url, params, ago in events:
        notify(
            [learner.pk],
            kind,
            course=course,
            url=url,
            params=params,
            dedupe_key=f"demo:{kind}",
            email=False,
            now=now - ago,
        )
    # the oldest is read: the list shows both states
    Notification.objects.filter(
        recipient=learner, dedupe_key=f"demo:{Kind.ANNOUNCEMENT}", read_at=None
    ).update(read_at=now - timedelta(days=5))
    notify(
        [staff.pk],
        Kind.CORRECTION_REQUESTED,
        course=course,
        url=f"/staff/{slug}/completion/certificates/",
        params={"course": course.title},
        dedupe_key="demo:correction",
        email=False,
    )
