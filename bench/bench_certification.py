"""Certification benchmark on PostgreSQL: 4,000 and 20,000 approved learners
x 15 weeks of graded homework and summaries.

Times Koza's certification (completion.services.certification_run: metrics,
decisions and records) against the floor measured in the same run on the same
data: one raw SQL statement that aggregates every learner's homework and
summaries and bulk-inserts the records (INSERT ... SELECT). The re-run of the
unchanged course is compared with the first run (it is skipped on the inputs
stamp). 3 repetitions each, median.
Also bulk certificate PDFs against a bare ReportLab loop drawing the same
text and QR code, and the staff dashboard's server time and query count at
400, 4,000 and 20,000 learners.

    DEBUG=1 DATABASE_URL=postgres://... .venv/bin/python bench/bench_certification.py

BENCH_SMOKE=1 uses tiny sizes. Prints one JSON object on stdout (progress on
stderr). Creates its own course ("bench-completion") and users
(bench-c-*@example.com), removed at the end. Not a test.
"""

import io
import json
import os
import statistics
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

import segno
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

from accounts.models import User
from completion.models import (
    Certificate,
    CompletionRecord,
    CompletionRule,
    CompletionTier,
)
from completion.pdf import SANS, SERIF, certificate_pdf
from completion.services import certificates_issue, certification_run
from courses.models import Course, CourseRole, Enrollment, Lecture
from quizzes.homework.models import Homework, Submission
from quizzes.surveys.models import Survey, SurveyResponse

SMOKE = bool(os.environ.get("BENCH_SMOKE"))
SIZES = [40, 200] if SMOKE else [4000, 20000]
DASHBOARD_SIZES = [20, 40, 200] if SMOKE else [400, 4000, 20000]
WEEKS = 3 if SMOKE else 15
PDFS = 10 if SMOKE else 200
REPETITIONS = 3
# Scores cycle 0..5 over the weeks, so about half the weeks pass: completing
# needs half the weeks passed and half the summaries, and about half do.
NEEDED = max(1, WEEKS // 2)
SLUG = "bench-completion"

FLOOR_SQL = """
INSERT INTO completion_completionrecord
    (enrollment_id, course_id, metrics, outcome, decided_at,
     override_outcome, override_reason)
SELECT e.id, e.course_id,
    jsonb_build_object('homework_points', COALESCE(h.points, 0),
                       'homework_weeks_passed', COALESCE(h.passed, 0),
                       'summaries_submitted', COALESCE(r.n, 0)),
    CASE WHEN COALESCE(h.passed, 0) >= %(weeks)s
          AND COALESCE(r.n, 0) >= %(weeks)s
         THEN 'complete' ELSE 'incomplete' END,
    now(), '', ''
FROM courses_enrollment AS e
LEFT JOIN (
    SELECT s.user_id, SUM(s.score) AS points,
           COUNT(*) FILTER (WHERE s.score >= hw.pass_mark) AS passed
    FROM quizzes_submission AS s
    JOIN quizzes_homework AS hw ON hw.id = s.homework_id
    JOIN courses_lecture AS l ON l.id = hw.lecture_id
    WHERE l.course_id = %(course)s AND hw.published AND s.score IS NOT NULL
    GROUP BY s.user_id
) AS h ON h.user_id = e.user_id
LEFT JOIN (
    SELECT sr.user_id, COUNT(*) AS n
    FROM quizzes_surveyresponse AS sr
    JOIN quizzes_survey AS sv ON sv.id = sr.survey_id
    JOIN courses_lecture AS l ON l.id = sv.lecture_id
    WHERE l.course_id = %(course)s
    GROUP BY sr.user_id
) AS r ON r.user_id = e.user_id
WHERE e.course_id = %(course)s AND e.status = 'approved'
"""


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def cleanup() -> None:
    Certificate.objects.filter(course__slug=SLUG).delete()
    Course.objects.filter(slug=SLUG).delete()
    User.objects.filter(
        email__startswith="bench-c-", email__endswith="@example.com"
    ).delete()


def build_course() -> tuple[Course, list[Lecture], User]:
    now = timezone.now()
    course = Course.objects.create(
        slug=SLUG, title="Bench completion", term="2026", state=Course.State.RUNNING
    )
    lectures = []
    for n in range(1, WEEKS + 1):
        due = now - timedelta(days=WEEKS - n + 1)
        lecture = Lecture.objects.create(
            course=course, number=n, title=f"Lecture {n}", starts_at=due,
            published=True,
        )  # fmt: skip
        Homework.objects.create(
            lecture=lecture, opens_at=due - timedelta(days=7), due_at=due,
            reveal_at=due, pass_mark=3, published=True,
        )  # fmt: skip
        Survey.objects.create(
            lecture=lecture, opens_at=due - timedelta(days=7), due_at=due,
            published=True,
        )  # fmt: skip
        lectures.append(lecture)
    tier = CompletionTier.objects.create(
        course=course, rank=1, name_ja="修了", name_en="Completed"
    )
    CompletionRule.objects.create(
        tier=tier, kind=CompletionRule.Kind.HOMEWORK_WEEKS_PASSED, threshold=NEEDED
    )
    CompletionRule.objects.create(
        tier=tier, kind=CompletionRule.Kind.SUMMARIES_SUBMITTED, threshold=NEEDED
    )
    staff = User.objects.create(email="bench-c-staff@example.com")
    CourseRole.objects.create(course=course, user=staff, role=CourseRole.Role.STAFF)
    return course, lectures, staff


def grow(course, lectures, start: int, stop: int) -> None:
    """Learners start..stop-1, each with a score and a summary every week."""
    users = User.objects.bulk_create(
        (
            User(email=f"bench-c-{i}@example.com", display_name=f"Learner {i}")
            for i in range(start, stop)
        ),
        batch_size=5000,
    )
    Enrollment.objects.bulk_create(
        (
            Enrollment(course=course, user=u, status=Enrollment.Status.APPROVED)
            for u in users
        ),
        batch_size=5000,
    )
    now = timezone.now()
    for lecture in lectures:
        Submission.objects.bulk_create(
            (
                Submission(
                    homework=lecture.homework,
                    user=u,
                    submitted_at=now,
                    score=(i + lecture.number) % 6,
                    graded_at=now,
                )
                for i, u in enumerate(users, start=start)
            ),
            batch_size=5000,
        )
        SurveyResponse.objects.bulk_create(
            (
                SurveyResponse(
                    survey=lecture.survey, user=u, summary="s", summary_chars=1
                )
                for i, u in enumerate(users, start=start)
                if (i + lecture.number) % 17
            ),
            batch_size=5000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def median_of(function, *, before=None) -> tuple[float, list[float]]:
    times = []
    for _ in range(REPETITIONS):
        if before:
            before()
        times.append(timed(function))
    return statistics.median(times), [round(min(times), 3), round(max(times), 3)]


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


def delete_records(course) -> None:
    """Untimed, before each first run (Koza's and the floor's alike): no
    records, and no dead rows left by the previous repetition's, which would
    slow whichever run came later (its inserts check the unique index)."""
    CompletionRecord.objects.filter(course=course).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE completion_completionrecord")


def koza_certification(course) -> None:
    certification_run(course=course, dry_run=False, issue_certificates=False)


def floor_certification(course) -> None:
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, {"course": course.pk, "weeks": NEEDED})


def bare_pdf(texts: list[str], url: str) -> bytes:
    width, height = landscape(A4)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
    pdf.rect(24, 24, width - 48, height - 48)
    pdf.setFont(SERIF, 30)
    for index, text in enumerate(texts):
        pdf.drawCentredString(width / 2, height - 100 - index * 40, text)
    matrix = list(segno.make(url, error="m").matrix_iter(border=2))
    cell = 110 / len(matrix)
    pdf.setFont(SANS, 11)
    path = pdf.beginPath()
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                path.rect(600 + c * cell, 180 - r * cell, cell, cell)
    pdf.drawPath(path, stroke=0, fill=1)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def dashboard(client, course) -> tuple[float, int, list[float]]:
    url = f"/staff/{course.slug}/completion/?sort=-points&page=3"
    client.get(url)
    times = []
    for _ in range(REPETITIONS):
        with CaptureQueriesContext(connection) as queries:
            times.append(timed(lambda: client.get(url)))
    return (
        statistics.median(times),
        len(queries),
        [round(min(times), 3), round(max(times), 3)],
    )


def csv_export(client, course) -> tuple[float, float, int, list[float]]:
    """The completion CSV, streamed: seconds to the last byte (median of
    REPETITIONS), then one more pass under tracemalloc for the peak of
    Python allocations while it streams (tracing slows it, so it is not
    timed), and its data rows."""
    url = f"/staff/{course.slug}/completion.csv"

    def stream() -> int:
        response = client.get(url)
        assert response.status_code == 200 and response.streaming
        return sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1

    times = []
    for _ in range(REPETITIONS):
        start = time.perf_counter()
        rows = stream()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    stream()
    peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return (
        statistics.median(times),
        peak_mb,
        rows,
        [round(min(times), 3), round(max(times), 3)],
    )


def main() -> None:
    settings.ALLOWED_HOSTS = ["*"]
    cleanup()
    course, lectures, staff = build_course()
    client = Client()
    client.force_login(staff)
    figures, details = [], {"sizes": SIZES, "weeks": WEEKS}
    have = 0
    for size in sorted(set(SIZES) | set(DASHBOARD_SIZES)):
        log(f"growing to {size} learners")
        grow(course, lectures, have, size)
        have = size
        if size in DASHBOARD_SIZES:
            seconds, queries, spread = dashboard(client, course)
            figures.append(
                figure(
                    f"dashboard page, {size:,} learners",
                    seconds,
                    target="server time; constant queries",
                    spread=spread,
                )
            )
            figures.append(
                figure(f"dashboard queries, {size:,} learners", queries, unit="")
            )
            seconds, peak_mb, rows, spread = csv_export(client, course)
            assert rows == size, (rows, size)  # every learner, once
            figures.append(
                figure(
                    f"completion CSV export (streamed), {size:,} learners",
                    seconds,
                    target="streamed; memory flat in learners",
                    spread=spread,
                )
            )
            figures.append(
                figure(
                    f"completion CSV export, peak Python memory, {size:,} learners",
                    round(peak_mb, 1),
                    unit="MB",
                )
            )
        if size not in SIZES:
            continue
        log(f"certification at {size}")
        floor, floor_spread = median_of(
            lambda: floor_certification(course), before=lambda: delete_records(course)
        )
        first, first_spread = median_of(
            lambda: koza_certification(course), before=lambda: delete_records(course)
        )
        rerun, rerun_spread = median_of(lambda: koza_certification(course))
        figures.append(
            figure(
                f"certification first run, {size:,} learners",
                first,
                floor,
                target="<= 2x floor",
                limit=2,
                spread=first_spread,
            )
        )
        figures.append(
            figure(
                f"certification re-run (unchanged course), {size:,} learners",
                rerun,
                first,
                target="<= 0.1x the first run",
                limit=0.1,
                spread=rerun_spread,
            )
        )
        details[f"floor_spread_{size}"] = floor_spread
        issue = timed(lambda: certificates_issue(course=course))
        figures.append(figure(f"certificates issued, {size:,} learners", issue))
    certificates = list(
        Certificate.objects.filter(course=course).select_related(
            "enrollment__user", "course__certificate_series", "tier"
        )[:PDFS]
    )
    log(f"rendering {len(certificates)} PDFs")

    def koza_pdfs():
        for certificate in certificates:
            certificate_pdf(certificate, language="ja")

    def bare_pdfs():
        for certificate in certificates:
            bare_pdf(
                [
                    "修了証",
                    certificate.holder_name,
                    certificate.course_title,
                    certificate.serial,
                ],
                settings.SITE_URL + certificate.get_absolute_url(),
            )

    pdf, pdf_spread = median_of(koza_pdfs)
    pdf_floor, _ = median_of(bare_pdfs)
    figures.append(
        figure(
            f"certificate PDFs, {len(certificates)} in bulk",
            pdf,
            pdf_floor,
            target="<= 1.25x floor",
            limit=1.25,
            spread=pdf_spread,
        )
    )
    details["pdf_ms_each"] = round(pdf * 1000 / max(1, len(certificates)), 1)
    cleanup()
    print(json.dumps({"benchmark": "certification", "figures": figures, **details}))


if __name__ == "__main__":
    main()
