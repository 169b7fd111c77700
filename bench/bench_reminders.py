"""Deadline reminders and the bell, on PostgreSQL.

Reminders: 20,000 approved learners x 2 open items (this week's homework and
survey, due in 5 hours, inside the 6 h reminder's window); a tenth of the
learners submitted each item, and 500 are withdrawn. Koza's beat pass
(`courses.reminders.reminders_send_due`: find the items, then one
INSERT ... SELECT per item recording every learner's notification and
queueing its email job) is timed and its queries counted, against the floor
measured in the same run on the same data: one SQL statement selecting the
same learners (approved, item not submitted) for both items; and, for scale,
the same rows written by one bare INSERT ... SELECT (floor b). A second pass
(nothing new: every reminder is recorded) is timed too. 3 repetitions,
median; the notifications are deleted (untimed) before each first pass.
The email jobs' messages go to a private queue that is purged at the end.

The bell: `notifications.services.unread_count` for a learner with 100
notifications (50 unread) in a table holding the 40,000 reminders: the
queries and time per page on a cache miss (one count over the partial
index) and a hit (none), and a signed-in page with and without the bell.

    DEBUG=1 DATABASE_URL=postgres://... REDIS_URL=redis://... \
        .venv/bin/python bench/bench_reminders.py

BENCH_SMOKE=1 uses tiny sizes. Prints one JSON object on stdout (progress on
stderr). Creates its own course ("bench-reminders") and users
(bench-r-*@example.com), removed at the end. Not a test.
"""

import json
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from courses.models import Course, Enrollment, Lecture
from courses.reminders import reminders_send_due
from lms.celery import app as celery_app
from lms.models import Job
from notifications.models import Kind, Notification
from notifications.services import notify, unread_count
from quizzes.homework.models import Homework, Submission
from quizzes.surveys.models import Survey, SurveyResponse

SMOKE = bool(os.environ.get("BENCH_SMOKE"))
LEARNERS = 400 if SMOKE else 20000
WITHDRAWN = 10 if SMOKE else 500
REPETITIONS = 3
SLUG = "bench-reminders"
QUEUE = f"koza-bench-reminders-{uuid.uuid4().hex[:8]}"

FLOOR_SQL = """
SELECT e.user_id, i.kind, i.id
FROM courses_enrollment AS e
CROSS JOIN (VALUES ('homework', %(homework)s), ('survey', %(survey)s)) AS i(kind, id)
WHERE e.course_id = %(course)s AND e.status = 'approved'
  AND NOT EXISTS (
    SELECT 1 FROM quizzes_submission AS s
    WHERE i.kind = 'homework' AND s.homework_id = i.id AND s.user_id = e.user_id)
  AND NOT EXISTS (
    SELECT 1 FROM quizzes_surveyresponse AS r
    WHERE i.kind = 'survey' AND r.survey_id = i.id AND r.user_id = e.user_id)
"""


# A second floor, for scale: the same rows written by one bare INSERT ... SELECT
# (no preferences, no email job, no bell invalidation).
FLOOR_INSERT_SQL = f"""
INSERT INTO notifications_notification
    (recipient_id, kind, course_id, params, url, created_at, dedupe_key,
     email_state)
SELECT f.user_id, 'deadline_reminder', %(course)s, '{{}}'::jsonb, '', now(),
       'floor:' || f.kind || ':' || f.id, 'pending'
FROM ({FLOOR_SQL}) AS f
ON CONFLICT DO NOTHING
"""


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def cleanup() -> None:
    Notification.objects.filter(recipient__email__startswith="bench-r-").delete()
    for course in Course.objects.filter(slug=SLUG):
        Job.objects.filter(params__course_id=course.pk).delete()
    Course.objects.filter(slug=SLUG).delete()
    User.objects.filter(
        email__startswith="bench-r-", email__endswith="@example.com"
    ).delete()


def build(due) -> tuple[Course, Homework, Survey]:
    now = timezone.now()
    course = Course.objects.create(
        slug=SLUG, title="Bench reminders", term="2026", state=Course.State.RUNNING
    )
    lecture = Lecture.objects.create(
        course=course, number=1, title="Lecture 1", starts_at=now, published=True
    )
    homework = Homework.objects.create(
        lecture=lecture, opens_at=now - timedelta(days=2), due_at=due,
        published=True,
    )  # fmt: skip
    survey = Survey.objects.create(
        lecture=lecture, opens_at=now - timedelta(days=2), due_at=due,
        published=True,
    )  # fmt: skip
    users = User.objects.bulk_create(
        (
            User(email=f"bench-r-{i}@example.com", display_name=f"Learner {i}")
            for i in range(LEARNERS + WITHDRAWN)
        ),
        batch_size=5000,
    )
    Enrollment.objects.bulk_create(
        (
            Enrollment(
                course=course,
                user=u,
                status=Enrollment.Status.WITHDRAWN
                if i >= LEARNERS
                else Enrollment.Status.APPROVED,
            )
            for i, u in enumerate(users)
        ),
        batch_size=5000,
    )
    Submission.objects.bulk_create(
        (
            Submission(homework=homework, user=u, submitted_at=now)
            for u in users[: LEARNERS // 10]
        ),
        batch_size=5000,
    )
    SurveyResponse.objects.bulk_create(
        (
            SurveyResponse(survey=survey, user=u, summary="done")
            for u in users[LEARNERS // 10 : LEARNERS // 5]
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return course, homework, survey


def timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def median_of(function, *, before=None):
    times, results = [], []
    for _ in range(REPETITIONS):
        if before:
            before()
        seconds, result = timed(function)
        times.append(seconds)
        results.append(result)
    spread = [round(min(times), 3), round(max(times), 3)]
    return statistics.median(times), spread, results


def figure(name, value, floor=None, *, unit="s", target=None, limit=None, spread=None):
    ratio = round(value / floor, 2) if floor else None
    return {
        "figure": name,
        "value": round(value, 3),
        "unit": unit,
        "floor": round(floor, 3) if floor is not None else None,
        "ratio": ratio,
        "target": target,
        "met": (ratio <= limit) if (ratio is not None and limit) else None,
        "spread": spread,
    }


def forget_reminders(course) -> None:
    """Untimed: no reminders recorded, no dead rows left for the next pass."""
    Notification.objects.filter(course=course).delete()
    Job.objects.filter(params__course_id=course.pk).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE notifications_notification")


def floor_select(course, homework, survey) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            FLOOR_SQL,
            {"course": course.pk, "homework": homework.pk, "survey": survey.pk},
        )
        return len(cursor.fetchall())


def floor_insert(course, homework, survey) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            FLOOR_INSERT_SQL,
            {"course": course.pk, "homework": homework.pk, "survey": survey.pk},
        )
        return cursor.rowcount


def koza_pass(now) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        recorded = reminders_send_due(now=now)
    return recorded, len(queries)


def bell(course) -> list[dict]:
    """unread_count and a page, for one learner with 100 notifications."""
    learner = User.objects.get(email="bench-r-0@example.com")
    for n in range(100):
        notify([learner.pk], Kind.ANNOUNCEMENT, course=course, dedupe_key=f"b{n}")
    Notification.objects.filter(
        recipient=learner, kind=Kind.ANNOUNCEMENT, dedupe_key__lt="b5"
    ).update(read_at=timezone.now())
    figures = []
    runs = 50 if SMOKE else 500
    miss, hit = [], []
    miss_queries = hit_queries = 0
    for _ in range(runs):
        cache.delete(f"notifications:unread:{learner.pk}")
        with CaptureQueriesContext(connection) as queries:
            seconds, _count = timed(lambda: unread_count(user_id=learner.pk))
        miss.append(seconds * 1000)
        miss_queries = len(queries)
        with CaptureQueriesContext(connection) as queries:
            seconds, _count = timed(lambda: unread_count(user_id=learner.pk))
        hit.append(seconds * 1000)
        hit_queries = len(queries)
    figures.append(
        figure(
            f"bell: unread count, cache miss ({miss_queries} query), median",
            statistics.median(miss),
            unit="ms",
            target="at most one indexed query",
        )
    )
    figures.append(
        figure(
            f"bell: unread count, cache hit ({hit_queries} queries), median",
            statistics.median(hit),
            unit="ms",
        )
    )
    client = Client()
    client.force_login(learner)
    page_queries = []
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        client.get("/notifications/")
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/notifications/").status_code == 200
            page_queries.append(len(queries))
    figures.append(
        figure(
            "bell: queries of /notifications/ with a warm cache",
            min(page_queries),
            unit="",
        )
    )
    return figures


def main() -> None:
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = QUEUE
    cleanup()
    due = timezone.now().replace(microsecond=0) + timedelta(hours=5)
    now = due - timedelta(hours=5)
    log(f"building {LEARNERS} learners")
    course, homework, survey = build(due)
    expected = floor_select(course, homework, survey)
    log(f"{expected} reminders owed")

    floor, _spread, _ = median_of(lambda: floor_select(course, homework, survey))
    floor_b, floor_b_spread, _ = median_of(
        lambda: floor_insert(course, homework, survey),
        before=lambda: forget_reminders(course),
    )
    forget_reminders(course)
    first, first_spread, results = median_of(
        lambda: koza_pass(now), before=lambda: forget_reminders(course)
    )
    recorded, queries = results[-1]
    assert recorded == expected, (recorded, expected)
    again, again_spread, again_results = median_of(lambda: koza_pass(now))
    assert all(r == 0 for r, _q in again_results)  # nothing twice
    assert Notification.objects.filter(course=course).count() == expected
    figures = [
        figure(
            f"reminders: {LEARNERS:,} learners x 2 items, one pass "
            f"({expected:,} recorded and queued, {queries} queries)",
            first,
            floor,
            target="set-based: a few statements; vs one SELECT of the same learners",
            spread=first_spread,
        ),
        figure(
            "reminders: floor (b), the same rows by one bare INSERT ... SELECT",
            floor_b,
            floor,
            spread=floor_b_spread,
        ),
        figure(
            "reminders: the next pass, nothing new (idempotent)",
            again,
            floor,
            spread=again_spread,
        ),
    ]
    figures += bell(course)
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)
    cleanup()
    print(
        json.dumps(
            {
                "benchmark": "reminders",
                "figures": figures,
                "learners": LEARNERS,
                "reminders": expected,
                "queries_per_pass": queries,
            }
        )
    )


if __name__ == "__main__":
    main()
