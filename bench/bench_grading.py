"""Grading benchmark: 4,000 learners x 15 homeworks (60,000 submissions of
5 answers) on PostgreSQL.

Times Koza's grading (quizzes.homework.services.homework_grade_all for each
homework, as the task runs it) against the floor: one equivalent raw SQL
UPDATE grading everything at once, in the same run on the same data (3
repetitions each, median). Also a naive per-submission save() loop on a
subset (extrapolated), and queries and milliseconds per submit request.

    DEBUG=1 DATABASE_URL=postgres://... .venv/bin/python bench/bench_grading.py

Prints JSON on stdout (progress on stderr). Creates its own course
("bench-grading") and users (bench-*@example.com), removed at the end.
Not a test.
"""

import json
import os
import random
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

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from courses.models import Course, Enrollment, Lecture
from quizzes.homework.models import (
    Choice,
    Homework,
    Question,
    Submission,
    SubmissionAnswer,
)
from quizzes.homework.services import homework_grade_all

SMOKE = bool(os.environ.get("BENCH_SMOKE"))
LEARNERS = int(os.environ.get("BENCH_LEARNERS", 100 if SMOKE else 4000))
WEEKS = int(os.environ.get("BENCH_WEEKS", 3 if SMOKE else 15))
REPETITIONS = 3
NAIVE_SUBSET = 100 if SMOKE else 2000
SUBMIT_REQUESTS = 20 if SMOKE else 100
SLUG = "bench-grading"

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
    Course.objects.filter(slug=SLUG).delete()
    User.objects.filter(
        email__startswith="bench-", email__endswith="@example.com"
    ).delete()


def build() -> tuple[Course, list[Homework]]:
    rng = random.Random(2026)
    now = timezone.now()
    course = Course.objects.create(slug=SLUG, title="Bench", state=Course.State.RUNNING)
    users = User.objects.bulk_create(
        (
            User(email=f"bench-{i}@example.com", display_name=f"B{i}")
            for i in range(LEARNERS)
        ),
        batch_size=2000,
    )
    Enrollment.objects.bulk_create(
        (Enrollment(course=course, user=u, status="approved") for u in users),
        batch_size=2000,
    )
    homeworks = []
    for week in range(1, WEEKS + 1):
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
    choices = Choice.objects.bulk_create(
        Choice(question=q, position=p, text=f"C{p}", is_correct=p == 0)
        for q in questions
        for p in range(4)
    )
    by_question: dict[int, list[int]] = {}
    for choice in choices:
        by_question.setdefault(choice.question_id, []).append(choice.id)
    log(f"inserting {LEARNERS * WEEKS} submissions")
    submissions = Submission.objects.bulk_create(
        (
            Submission(homework=h, user=u, submitted_at=now, is_late=rng.random() < 0.1)
            for h in homeworks
            for u in users
        ),
        batch_size=5000,
    )
    questions_of: dict[int, list[int]] = {}
    for question in questions:
        questions_of.setdefault(question.homework_id, []).append(question.id)
    log(f"inserting {len(submissions) * 5} answers")
    SubmissionAnswer.objects.bulk_create(
        (
            SubmissionAnswer(
                submission_id=s.id,
                question_id=q,
                choice_id=by_question[q][0]
                if rng.random() < 0.6
                else rng.choice(by_question[q]),
            )
            for s in submissions
            for q in questions_of[s.homework_id]
        ),
        batch_size=10000,
    )
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


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("bench_grading needs PostgreSQL: set DATABASE_URL")
    cleanup()
    try:
        start = time.perf_counter()
        course, homeworks = build()
        build_seconds = time.perf_counter() - start
        total = Submission.objects.filter(homework__in=homeworks).count()
        koza, floor = [], []
        for repetition in range(REPETITIONS):
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
            "benchmark": "homework_grading",
            "learners": LEARNERS,
            "homeworks": WEEKS,
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
        result["figures"] = [
            {
                "figure": f"grading {total} submissions (Koza, set-based)",
                "value": round(koza_median, 3),
                "unit": "s",
                "spread": [round(min(koza), 3), round(max(koza), 3)],
                "floor": round(floor_median, 3),
                "ratio": result["ratio_to_floor"],
                "target": "<= 3x floor: one raw SQL UPDATE",
                "met": result["within_target"],
            },
            {
                "figure": "grading: naive save() per submission (extrapolated)",
                "value": result["naive_seconds_extrapolated"],
                "unit": "s",
                "floor": round(koza_median, 3),
                "ratio": result["naive_ratio_to_koza"],
            },
            {
                "figure": "grading bench: queries per submit (test client)",
                "value": result["submit"]["queries_per_submit"],
                "target": "<= 4",
                "met": result["submit"]["queries_per_submit"] <= 4,
            },
        ]
        print(json.dumps(result, indent=2))
    finally:
        cleanup()


if __name__ == "__main__":
    main()
