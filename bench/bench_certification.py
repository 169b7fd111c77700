"""Certification benchmark on PostgreSQL: approved learners (4,000 and
100,000 by default) x 15 weeks of graded homework and summaries.

Times Koza's certification (completion.services.certification_run: metrics,
decisions and records) against the floor measured in the same run on the same
data: one raw SQL statement that aggregates every learner's homework and
summaries and bulk-inserts the records (INSERT ... SELECT). The re-run of the
unchanged course is compared with the first run (it is skipped on the inputs
stamp). 3 repetitions each, median.
The progress a run reports (Job.done) is recorded as it moves: how often,
and the longest time it stood still.

Issuing certificates (completion.services.certificates_issue) against a bulk
insert of the same rows: one INSERT ... SELECT of the certificates (serials,
codes, frozen names and the hashed email computed in SQL) and one of their
"issued" events.

The completion CSV (the staff download, streamed through the test client to
the last byte) against `COPY (the same SELECT) TO STDOUT`, read to the end
by psycopg; its peak Python memory (tracemalloc) at every size, to show it
flat. Also the staff dashboard's server time and query count, and bulk
certificate PDFs against a bare ReportLab loop drawing the same text and QR
code.

    DEBUG=1 DATABASE_URL=postgres://... .venv/bin/python \
        bench/bench_certification.py [--learners 4000,100000] [--weeks 15]

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
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

import segno
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

from accounts.models import User
from bench import args as bench_args
from completion.models import (
    Certificate,
    CompletionRecord,
    CompletionRule,
    CompletionTier,
)
from completion.pdf import SANS, SERIF, certificate_pdf
from completion.selectors import dashboard_csv_query, dashboard_rows
from completion.services import certificates_issue, certification_run
from courses.models import Course, CourseRole, Enrollment, Lecture
from quizzes.homework.models import Homework
from quizzes.surveys.models import Survey

SMOKE = bench_args.SMOKE
ARGS = bench_args.parse(__doc__, learners="4000,100000", smoke_learners="40,200")
SIZES = sorted(ARGS.learners)
WEEKS = ARGS.weeks
PDFS = 10 if SMOKE else 200
REPETITIONS = 3
# Scores cycle 0..5 over the weeks, so about half the weeks pass: completing
# needs half the weeks passed and half the summaries, and about half do.
NEEDED = max(1, WEEKS // 2)
SLUG = "bench-completion"

# Learner i's score in week n is (i + n) % 6; a summary unless (i + n) % 17 == 0.
SUBMISSIONS_SQL = """
INSERT INTO quizzes_submission
    (homework_id, user_id, submitted_at, is_late, revision, token, score,
     graded_at)
SELECT h.id, u.id, %(now)s, false, 1, gen_random_uuid(),
       (substring(u.email from 'bench-c-([0-9]+)@')::int + l.number) %% 6,
       %(now)s
FROM accounts_user AS u
CROSS JOIN courses_lecture AS l
JOIN quizzes_homework AS h ON h.lecture_id = l.id
WHERE l.course_id = %(course)s AND u.id = ANY(%(users)s)
"""
RESPONSES_SQL = """
INSERT INTO quizzes_surveyresponse
    (survey_id, user_id, summary, summary_chars, answers, submitted_at,
     updated_at, late, review_state, review_comment)
SELECT sv.id, u.id, 's', 1, '{}'::jsonb, %(now)s, %(now)s, false, 'pending', ''
FROM accounts_user AS u
CROSS JOIN courses_lecture AS l
JOIN quizzes_survey AS sv ON sv.lecture_id = l.id
WHERE l.course_id = %(course)s AND u.id = ANY(%(users)s)
  AND (substring(u.email from 'bench-c-([0-9]+)@')::int + l.number) %% 17 <> 0
"""
# The floor of issuing: the same certificates Koza issues (every completing
# learner without one), numbered in enrollment order from the series, with
# their frozen text and hashed email computed in SQL, then their events.
ISSUE_FLOOR_SQL = """
WITH owed AS (
    SELECT r.enrollment_id, r.tier_id, u.display_name, u.email,
           row_number() OVER (ORDER BY r.enrollment_id) AS n
    FROM completion_completionrecord AS r
    JOIN courses_enrollment AS e ON e.id = r.enrollment_id
    JOIN accounts_user AS u ON u.id = e.user_id
    WHERE r.course_id = %(course)s AND r.outcome = 'complete'
), salted AS (
    SELECT owed.*, md5(random()::text) AS salt FROM owed
)
INSERT INTO completion_certificate
    (enrollment_id, course_id, number, serial, code, tier_id, issued_at,
     holder_name, holder_name_latin, course_title, course_term, tier_name_ja,
     tier_name_en, criteria, issuer_name, recipient_salt, recipient_hash,
     credential_jwt, revoked_reason, email_state)
SELECT s.enrollment_id, %(course)s, s.n, 'BENCH-' || lpad(s.n::text, 6, '0'),
       md5(random()::text), s.tier_id, now(), s.display_name, '', c.title,
       c.term, t.name_ja, t.name_en, 'criteria', c.title, left(s.salt, 16),
       'sha256$' || encode(sha256(convert_to(lower(s.email) || left(s.salt, 16),
                                              'UTF8')), 'hex'),
       '', '', 'pending'
FROM salted AS s
JOIN courses_course AS c ON c.id = %(course)s
JOIN completion_completiontier AS t ON t.id = s.tier_id
"""
ISSUE_EVENTS_FLOOR_SQL = """
INSERT INTO completion_certificateevent (certificate_id, kind, at, detail)
SELECT id, 'issued', issued_at, jsonb_build_object('serial', serial)
FROM completion_certificate WHERE course_id = %(course)s
"""
ISSUE_NOTIFICATIONS_FLOOR_SQL = """
INSERT INTO notifications_notification
    (recipient_id, kind, params, url, created_at, dedupe_key, email_state,
     course_id)
SELECT e.user_id, 'certificate_issued', '{}'::jsonb, '/', now(),
       'certificate:' || c.course_id, 'none', c.course_id
FROM completion_certificate AS c
JOIN courses_enrollment AS e ON e.id = c.enrollment_id
WHERE c.course_id = %(course)s
"""
CLEANUP_SQL = [
    """DELETE FROM quizzes_submission WHERE homework_id IN (SELECT h.id
       FROM quizzes_homework AS h JOIN courses_lecture AS l ON l.id = h.lecture_id
       WHERE l.course_id = %(course)s)""",
    """DELETE FROM quizzes_surveyresponse WHERE survey_id IN (SELECT s.id
       FROM quizzes_survey AS s JOIN courses_lecture AS l ON l.id = s.lecture_id
       WHERE l.course_id = %(course)s)""",
    "DELETE FROM completion_completionrecord WHERE course_id = %(course)s",
]
UNISSUE_SQL = [
    """DELETE FROM completion_certificateevent WHERE certificate_id IN
       (SELECT id FROM completion_certificate WHERE course_id = %(course)s)""",
    "DELETE FROM completion_certificate WHERE course_id = %(course)s",
    "DELETE FROM notifications_notification WHERE course_id = %(course)s",
    "DELETE FROM lms_job WHERE course_id = %(course)s",
    "UPDATE completion_certificateseries SET next_number = 1"
    " WHERE course_id = %(course)s",
    "VACUUM ANALYZE completion_certificate",
    "VACUUM ANALYZE completion_certificateevent",
    "VACUUM ANALYZE notifications_notification",
]

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
    course = Course.objects.filter(slug=SLUG).first()
    if course is not None:
        unissue(course)
        # The big tables in a statement each, not through the ORM's collector.
        with connection.cursor() as cursor:
            for sql in CLEANUP_SQL:
                cursor.execute(sql, {"course": course.pk})
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
    """Learners start..stop-1, each with a score every week and a summary in
    most (INSERT ... SELECT: 100,000 x 15 in a minute or two)."""
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
    params = {
        "now": timezone.now(),
        "course": course.pk,
        "users": [u.pk for u in users],
    }
    with transaction.atomic(), connection.cursor() as cursor:
        # Built consistent: no per-row foreign key checks while loading.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(SUBMISSIONS_SQL, params)
        cursor.execute(RESPONSES_SQL, params)
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


def unissue(course) -> None:
    """Untimed, before each issuing run: no certificates, events or their
    notifications and jobs, and no dead rows from the previous run."""
    with connection.cursor() as cursor:
        for sql in UNISSUE_SQL:
            cursor.execute(sql, {"course": course.pk})


def floor_issuing(course) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in (
            ISSUE_FLOOR_SQL,
            ISSUE_EVENTS_FLOOR_SQL,
            ISSUE_NOTIFICATIONS_FLOOR_SQL,
        ):
            cursor.execute(sql, {"course": course.pk})


def certification_with_progress(course) -> dict:
    """A first run as the job runs it, its progress recorded: how often the
    bar moved and the longest it stood still (from the start to the end)."""
    moves = []
    start = time.perf_counter()
    certification_run(
        course=course,
        dry_run=False,
        issue_certificates=False,
        on_start=lambda total: moves.append((time.perf_counter(), 0)),
        progress=lambda done: moves.append((time.perf_counter(), done)),
    )
    end = time.perf_counter()
    times = [start] + [t for t, _ in moves] + [end]
    return {
        "updates": len(moves),
        "longest_still_seconds": round(max(b - a for a, b in pairwise(times)), 3),
        "first_update_seconds": round(times[1] - start, 3),
        "seconds": round(end - start, 3),
    }


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


def csv_export(client, course) -> dict:
    """The completion CSV, streamed: seconds to the last byte (median of
    REPETITIONS) against the floor, `COPY (the same SELECT) TO STDOUT` read to
    the end; then one more pass under tracemalloc for the peak of Python
    allocations while it streams (tracing slows it, so it is not timed)."""
    url = f"/staff/{course.slug}/completion.csv"

    def stream() -> int:
        response = client.get(url)
        assert response.status_code == 200 and response.streaming
        return sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1

    sql, params, _header = dashboard_csv_query(course, dashboard_rows(course=course))

    def copy() -> int:
        lines = 0
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params
            ) as copy,
        ):
            for data in copy:
                lines += bytes(data).count(b"\n")
        return lines

    times, floors = [], []
    for _ in range(REPETITIONS):
        start = time.perf_counter()
        rows = stream()
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        copied = copy()
        floors.append(time.perf_counter() - start)
    tracemalloc.start()
    stream()
    peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {
        "seconds": statistics.median(times),
        "spread": [round(min(times), 3), round(max(times), 3)],
        "floor": statistics.median(floors),
        "peak_mb": peak_mb,
        "rows": rows,
        "copied": copied,
    }


def main() -> None:
    settings.ALLOWED_HOSTS = ["*"]
    cleanup()
    course, lectures, staff = build_course()
    client = Client()
    client.force_login(staff)
    figures, details = [], {"sizes": SIZES, "weeks": WEEKS}
    have = 0
    for size in SIZES:
        log(f"growing to {size:,} learners")
        start = time.perf_counter()
        grow(course, lectures, have, size)
        have = size
        log(f"grown in {time.perf_counter() - start:.1f} s; certification")
        floor, floor_spread = median_of(
            lambda: floor_certification(course), before=lambda: delete_records(course)
        )
        first, first_spread = median_of(
            lambda: koza_certification(course), before=lambda: delete_records(course)
        )
        rerun, rerun_spread = median_of(lambda: koza_certification(course))
        delete_records(course)
        progress = certification_with_progress(course)
        details[f"progress_{size}"] = progress
        figures += [
            figure(
                f"certification first run, {size:,} learners",
                first,
                floor,
                target="<= 2x floor: aggregate + bulk insert (INSERT ... SELECT)",
                limit=2,
                spread=first_spread,
            ),
            figure(
                f"certification re-run (unchanged course), {size:,} learners",
                rerun,
                first,
                target="<= 0.1x the first run",
                limit=0.1,
                spread=rerun_spread,
            ),
            figure(
                f"certification progress, {size:,} learners: longest the bar "
                f"stood still ({progress['updates']} updates in "
                f"{progress['seconds']} s)",
                progress["longest_still_seconds"],
                target="the bar moves during the run",
            ),
        ]
        details[f"floor_spread_{size}"] = floor_spread

        log("dashboard and CSV")
        seconds, queries, spread = dashboard(client, course)
        figures.append(
            figure(
                f"dashboard page, {size:,} learners ({queries} queries)",
                seconds,
                target="server time; constant queries",
                spread=spread,
            )
        )
        export = csv_export(client, course)
        assert export["rows"] == export["copied"] == size, export
        details[f"csv_{size}"] = export
        figures += [
            figure(
                f"completion CSV export (streamed), {size:,} learners",
                export["seconds"],
                export["floor"],
                target="<= 2x floor: COPY (the same SELECT) TO STDOUT",
                limit=2,
                spread=export["spread"],
            ),
            figure(
                f"completion CSV export, peak Python memory, {size:,} learners",
                round(export["peak_mb"], 1),
                unit="MB",
                target="flat in learners",
            ),
        ]

        log("issuing")
        issue_floor, _ = median_of(
            lambda: floor_issuing(course), before=lambda: unissue(course)
        )
        issue, issue_spread = median_of(
            lambda: certificates_issue(course=course), before=lambda: unissue(course)
        )
        issued = Certificate.objects.filter(course=course).count()
        figures.append(
            figure(
                f"certificates issued, {size:,} learners ({issued:,} certificates)",
                issue,
                issue_floor,
                target="<= 2x floor: bulk INSERT ... SELECT of the same rows",
                limit=2,
                spread=issue_spread,
            )
        )
    # Memory flat: the largest cohort's peak against the smallest's.
    if len(SIZES) > 1:
        small, large = details[f"csv_{SIZES[0]}"], details[f"csv_{SIZES[-1]}"]
        growth = large["peak_mb"] / small["peak_mb"]
        figures.append(
            {
                "figure": f"completion CSV peak memory, {SIZES[-1]:,} vs "
                f"{SIZES[0]:,} learners",
                "value": round(large["peak_mb"], 1),
                "unit": "MB",
                "floor": round(small["peak_mb"], 1),
                "ratio": round(growth, 2),
                "target": "<= 1.5x (flat)",
                "met": growth <= 1.5,
            }
        )
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
    if not bench_args.FRESH:
        cleanup()
    print(json.dumps({"benchmark": "certification", "figures": figures, **details}))


if __name__ == "__main__":
    main()
