"""Grading benchmark: learners x weeks of homework (4,000 x 15 = 60,000
submissions of 5 answers, and 100,000 x 15 = 1,500,000) on PostgreSQL.

Times Koza's grading (quizzes.homework.services.homework_grade_all for each
homework, as the task runs it) against the floor: one equivalent raw SQL
UPDATE grading everything at once, in the same run on the same data (3
repetitions each, median). Also a naive per-submission save() loop on a
subset (extrapolated), and queries and milliseconds per submit request.

    DEBUG=1 DATABASE_URL=postgres://... .venv/bin/python bench/bench_grading.py \
        [--learners 4000,100000] [--weeks 15] [--repetitions 3]

Submissions and answers are inserted with INSERT ... SELECT (a random 60 %
correct answer, else a random choice; 10 % late), so 1,500,000 submissions
and 7,500,000 answers take a few minutes to build.

Prints JSON on stdout (progress on stderr). Creates its own course
("bench-grading") and users (bench-*@example.com), removed at the end.
Not a test.
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

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from bench import args as bench_args
from courses.models import Course, Enrollment, Lecture
from quizzes.homework.models import (
    Choice,
    Homework,
    Question,
    Submission,
    SubmissionAnswer,
)
from quizzes.homework.services import homework_grade_all

SMOKE = bench_args.SMOKE
NAIVE_SUBSET = 100 if SMOKE else 2000
SUBMIT_REQUESTS = 20 if SMOKE else 100
SLUG = "bench-grading"

SUBMISSIONS_SQL = """
INSERT INTO quizzes_submission
    (homework_id, user_id, submitted_at, is_late, revision, token)
SELECT h.id, e.user_id, %s, random() < 0.1, 1, gen_random_uuid()
FROM unnest(%s::bigint[]) AS h (id)
CROSS JOIN courses_enrollment AS e
WHERE e.course_id = %s
"""
# Each question's four choices in position order; the first is correct.
ANSWERS_SQL = """
INSERT INTO quizzes_submissionanswer (submission_id, question_id, choice_id)
SELECT s.id, q.id,
       q.choices[CASE WHEN random() < 0.6 THEN 1
                      ELSE 1 + floor(random() * 4)::int END]
FROM quizzes_submission AS s
JOIN (
    SELECT q.id, q.homework_id,
           array_agg(c.id ORDER BY c.position) AS choices
    FROM quizzes_question AS q
    JOIN quizzes_choice AS c ON c.question_id = q.id
    GROUP BY q.id
) AS q ON q.homework_id = s.homework_id
WHERE s.homework_id = ANY(%s)
"""

FLOOR_SQL = """
UPDATE quizzes_submission AS s
SET score = CASE WHEN s.is_late AND g.n > %s THEN %s ELSE g.n END,
    graded_key_version = 1, graded_at = now()
FROM (
    SELECT a.submission_id, COUNT(*) FILTER (WHERE c.is_correct) AS n
    FROM quizzes_submissionanswer AS a
    JOIN quizzes_choice AS c ON c.id = a.choice_id
    GROUP BY a.submission_id
) AS g
WHERE s.id = g.submission_id
"""


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def cleanup() -> None:
    # The millions of answers and submissions in a statement each, not
    # through the ORM's collector.
    with connection.cursor() as cursor:
        for table in ("quizzes_submissionanswer", "quizzes_submission"):
            key = "submission_id" if table.endswith("answer") else "id"
            cursor.execute(
                f"DELETE FROM {table} WHERE {key} IN ("
                " SELECT s.id FROM quizzes_submission AS s"
                " JOIN quizzes_homework AS h ON h.id = s.homework_id"
                " JOIN courses_lecture AS l ON l.id = h.lecture_id"
                " JOIN courses_course AS c ON c.id = l.course_id"
                " WHERE c.slug = %s)",
                [SLUG],
            )
    Course.objects.filter(slug=SLUG).delete()
    User.objects.filter(
        email__startswith="bench-", email__endswith="@example.com"
    ).delete()


def build(learners: int, weeks: int) -> tuple[Course, list[Homework]]:
    now = timezone.now()
    course = Course.objects.create(slug=SLUG, title="Bench", state=Course.State.RUNNING)
    users = User.objects.bulk_create(
        (
            User(email=f"bench-{i}@example.com", display_name=f"B{i}")
            for i in range(learners)
        ),
        batch_size=5000,
    )
    Enrollment.objects.bulk_create(
        (Enrollment(course=course, user=u, status="approved") for u in users),
        batch_size=5000,
    )
    homeworks = []
    for week in range(1, weeks + 1):
        lecture = Lecture.objects.create(
            course=course, number=week, title=f"W{week}", starts_at=now, published=True
        )
        homeworks.append(
            Homework(
                lecture=lecture,
                opens_at=now - timedelta(days=1),
                due_at=now + timedelta(days=7),
                late_days=2,
                late_cap="0.6",
                published=True,
            )
        )
    for homework in homeworks:
        homework.save()
    questions = Question.objects.bulk_create(
        Question(homework=h, position=p, text=f"Q{p}")
        for h in homeworks
        for p in range(5)
    )
    Choice.objects.bulk_create(
        Choice(question=q, position=p, text=f"C{p}", is_correct=p == 0)
        for q in questions
        for p in range(4)
    )
    log(f"inserting {learners * weeks:,} submissions")
    ids = [h.pk for h in homeworks]
    with transaction.atomic(), connection.cursor() as cursor:
        # Built consistent, so the per-row foreign key checks (triggers) are
        # skipped while loading: 7,500,000 answers in a minute, not ten.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SELECT setseed(0.2026)")
        cursor.execute(SUBMISSIONS_SQL, [now, ids, course.pk])
        log(f"inserting {learners * weeks * 5:,} answers")
        cursor.execute(ANSWERS_SQL, [ids])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE quizzes_submission")
        cursor.execute("ANALYZE quizzes_submissionanswer")
        cursor.execute("ANALYZE quizzes_choice")
    return course, homeworks


def reset(homeworks) -> None:
    ids = [h.pk for h in homeworks]
    Submission.objects.filter(homework_id__in=ids).update(
        score=None, graded_at=None, graded_key_version=None
    )
    Homework.objects.filter(pk__in=ids).update(graded_key_version=None, graded_at=None)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE quizzes_submission")


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def koza_grading(homeworks) -> None:
    for homework in homeworks:
        homework_grade_all(homework_id=homework.pk)


def floor_grading(homeworks) -> None:
    cap = homeworks[0].late_cap_points(5)
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, [cap, cap])


def naive_grading(homeworks) -> int:
    """What not to do: one query to count and one save() per submission."""
    subset = list(
        Submission.objects.filter(homework__in=homeworks).order_by("id")[:NAIVE_SUBSET]
    )
    cap = homeworks[0].late_cap_points(5)
    for submission in subset:
        score = SubmissionAnswer.objects.filter(
            submission=submission, choice__is_correct=True
        ).count()
        submission.score = min(score, cap) if submission.is_late else score
        submission.graded_key_version = 1
        submission.graded_at = timezone.now()
        submission.save()
    return len(subset)


def submit_requests(course, homeworks) -> dict:
    homework = homeworks[-1]
    answers = {
        q.id: q.choices.first().id
        for q in homework.questions.prefetch_related("choices")
    }
    users = list(User.objects.filter(email__startswith="bench-")[:SUBMIT_REQUESTS])
    Submission.objects.filter(homework=homework, user__in=users).delete()
    url = reverse("homework_take", args=[course.slug, homework.lecture.number])
    client = Client(headers={"host": "127.0.0.1"}, secure=True)
    queries, durations = [], []
    for user in users:
        client.force_login(user)
        data = {f"q-{q}": str(c) for q, c in answers.items()} | {
            "token": str(uuid.uuid4())
        }
        # A full query log (9,000 entries after grading 1,500,000 rows) would
        # count no new query: CaptureQueriesContext measures its length.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.post(url, data)
            durations.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 302, response.status_code
        queries.append(len(captured))
    return {
        "requests": len(users),
        "queries_per_submit": statistics.median(queries),
        "ms_per_submit_median": round(statistics.median(durations), 2),
        "ms_per_submit_p95": round(
            sorted(durations)[int(len(durations) * 0.95) - 1], 2
        ),
    }


def measure(learners: int, weeks: int, repetitions: int, *, last: bool) -> dict:
    """Build the course at this size, time Koza's grading and the floor, and
    return this size's details and figures."""
    cleanup()
    try:
        start = time.perf_counter()
        course, homeworks = build(learners, weeks)
        build_seconds = time.perf_counter() - start
        log(f"built in {build_seconds:.1f} s")
        total = Submission.objects.filter(homework__in=homeworks).count()
        koza, floor = [], []
        for repetition in range(repetitions):
            reset(homeworks)
            floor.append(timed(lambda: floor_grading(homeworks)))
            reset(homeworks)
            koza.append(timed(lambda: koza_grading(homeworks)))
            log(f"run {repetition + 1}: koza {koza[-1]:.3f}s, floor {floor[-1]:.3f}s")
        reset(homeworks)
        start = time.perf_counter()
        naive_count = naive_grading(homeworks)
        naive_seconds = time.perf_counter() - start
        naive_extrapolated = naive_seconds / naive_count * total
        koza_median, floor_median = statistics.median(koza), statistics.median(floor)
        result = {
            "learners": learners,
            "homeworks": weeks,
            "submissions": total,
            "answers": total * 5,
            "build_seconds": round(build_seconds, 2),
            "koza_seconds": [round(t, 4) for t in koza],
            "floor_seconds": [round(t, 4) for t in floor],
            "koza_median_seconds": round(koza_median, 4),
            "floor_median_seconds": round(floor_median, 4),
            "ratio_to_floor": round(koza_median / floor_median, 2),
            "target_ratio": 3.0,
            "within_target": koza_median / floor_median <= 3.0,
            "naive_subset": naive_count,
            "naive_seconds_subset": round(naive_seconds, 3),
            "naive_seconds_extrapolated": round(naive_extrapolated, 2),
            "naive_ratio_to_koza": round(naive_extrapolated / koza_median, 1),
            "submit": submit_requests(course, homeworks),
        }
        cohort = f"{learners:,} learners x {weeks} weeks"
        result["figures"] = [
            {
                "figure": f"grading {total:,} submissions ({cohort}, Koza, set-based)",
                "value": round(koza_median, 3),
                "unit": "s",
                "spread": [round(min(koza), 3), round(max(koza), 3)],
                "floor": round(floor_median, 3),
                "ratio": result["ratio_to_floor"],
                "target": "<= 3x floor: one raw SQL UPDATE ... FROM",
                "met": result["within_target"],
            },
            {
                "figure": f"grading, {cohort}: naive save() per submission "
                "(extrapolated)",
                "value": result["naive_seconds_extrapolated"],
                "unit": "s",
                "floor": round(koza_median, 3),
                "ratio": result["naive_ratio_to_koza"],
            },
            {
                "figure": f"grading bench, {cohort}: queries per submit (test client)",
                "value": result["submit"]["queries_per_submit"],
                "target": "<= 4",
                "met": result["submit"]["queries_per_submit"] <= 4,
            },
        ]
        return result
    finally:
        if not (bench_args.FRESH and last):
            cleanup()


def main() -> None:
    args = bench_args.parse(
        __doc__,
        learners="4000,100000",
        smoke_learners="100",
        extra=lambda parser: parser.add_argument(
            "--repetitions", type=int, default=3, help="timed runs each (median)"
        ),
    )
    if connection.vendor != "postgresql":
        sys.exit("bench_grading needs PostgreSQL: set DATABASE_URL")
    sizes = [
        measure(n, args.weeks, args.repetitions, last=n == args.learners[-1])
        for n in args.learners
    ]
    print(
        json.dumps(
            {
                "benchmark": "homework_grading",
                "figures": [f for size in sizes for f in size.pop("figures")],
                "sizes": sizes,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
