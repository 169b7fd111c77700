"""Staff pages at 4,000, 20,000 and 100,000 learners x 15 weeks: p95 server
time and query count of the completion dashboard (every filter x every
sort, and a page deep in the list), the applications page, the summaries
review queue and the homework results page.

    DATABASE_URL=… python bench/bench_staff_pages.py [--learners 4000,20000,100000]
        [--samples 10] [--smoke] [--reuse] [--prepared] [--pages TEXT]

Each size is its own seed_scale course (slug `pages-<size>`), so the larger
courses' rows are in the tables while the smaller ones are measured too.
`--reuse` keeps a course already seeded at that size (seeding 100,000 takes
minutes); `--prepared` also skips the preparation below (a course a
previous run left ready), and `--pages TEXT` measures only the pages whose
name contains TEXT (while working on one page). Before measuring: a fifth of the learners are "working", a tenth
turned back into pending applications, two completion tiers with records for
every approved learner (complete when their totals reach the first tier),
the dashboard totals and at-risk flags refreshed (as the periodic run leaves
them), then VACUUM ANALYZE.

Server time is the Django test client's request time in this process
(middleware, views, queries, templates; no network). Each URL: one warm-up,
then --samples requests; p95 by linear interpolation. Target: p95 < 300 ms
at the largest size and no more queries than at the smallest size (two more
allowed where the smallest size's page was empty: see EMPTY_PAGE_QUERIES). The floor of a
figure is the same URL at the smallest size, measured in the same run.
Prints one JSON object (bench/run.py); progress on stderr.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from completion.models import CompletionRecord, CompletionRule, CompletionTier
from completion.totals import dashboard_totals_refresh
from courses.models import Course, CourseRole, Enrollment
from quizzes.homework.models import Homework
from quizzes.homework.services import GRADE_SQL, homework_item_analysis_store

TARGET_MS = 300
LECTURES = 15


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare(size: int, *, lectures: int, reuse: bool, prepared: bool) -> Course:
    slug = f"pages-{size}"
    course = Course.objects.filter(slug=slug).first()
    if prepared and course and CompletionTier.objects.filter(course=course).exists():
        keep_item_analyses(course)  # a course prepared before grading kept them
        refresh(course)  # what the periodic run does (at risk: under today's key)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")  # after other benchmarks' deletes
        return course
    if not (
        reuse and course and Enrollment.objects.filter(course=course).count() == size
    ):
        start = time.perf_counter()
        call_command(
            "seed_scale", learners=size, lectures=lectures, slug=slug, stdout=sys.stderr
        )
        log(f"seeded {size:,} learners in {time.perf_counter() - start:.0f} s")
        course = Course.objects.get(slug=slug)
    enrollments = Enrollment.objects.filter(course=course)
    ids = enrollments.order_by("pk").values_list("pk", flat=True)
    enrollments.update(status=Enrollment.Status.APPROVED, category="student")
    Enrollment.objects.filter(pk__in=list(ids[: size // 10])).update(
        status=Enrollment.Status.APPLIED
    )
    Enrollment.objects.filter(pk__in=list(ids[size // 10 :: 5])).update(
        category="working"
    )
    grade_past_weeks(course)
    CompletionRecord.objects.filter(course=course).delete()
    CompletionTier.objects.filter(course=course).delete()
    completed = CompletionTier.objects.create(
        course=course, rank=1, name_ja="修了", name_en="Completed"
    )
    honors = CompletionTier.objects.create(
        course=course, rank=2, name_ja="優秀修了", name_en="Honors"
    )
    need = {completed: (30, 8), honors: (50, 12)}
    for tier, (points, summaries) in need.items():
        CompletionRule.objects.create(
            tier=tier, kind=CompletionRule.Kind.HOMEWORK_POINTS, threshold=points
        )
        CompletionRule.objects.create(
            tier=tier, kind=CompletionRule.Kind.SUMMARIES_SUBMITTED, threshold=summaries
        )
    # Records for every approved learner, decided from their totals (set-based:
    # what a certification run would leave, without timing one here).
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {CompletionRecord._meta.db_table}
                (enrollment_id, course_id, metrics, outcome, tier_id, decided_at,
                 override_outcome, override_reason)
            SELECT e.id, e.course_id, '{{}}',
                   CASE WHEN e.homework_points >= 30 AND e.summaries >= 8
                        THEN 'complete' ELSE 'incomplete' END,
                   CASE WHEN e.homework_points >= 50 AND e.summaries >= 12 THEN %s
                        WHEN e.homework_points >= 30 AND e.summaries >= 8 THEN %s END,
                   now(), '', ''
            FROM {Enrollment._meta.db_table} e
            WHERE e.course_id = %s AND e.status = 'approved'
            """,
            [honors.pk, completed.pk, course.pk],
        )
    refresh(course)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return course


def refresh(course: Course) -> None:
    """The totals and at-risk flags, as the periodic run leaves them once the
    tiers exist."""
    start = time.perf_counter()
    dashboard_totals_refresh(course=course)
    log(f"totals and at-risk flags refreshed in {time.perf_counter() - start:.1f} s")


def grade_past_weeks(course: Course) -> None:
    """Scores for the past weeks (what staff see after the deadlines), with
    grading's own statement (`GRADE_SQL`) over each homework at once, then
    what the grading job leaves besides (`keep_item_analyses`); the job's
    chunks, progress and notifications are bench_grading's."""
    start = time.perf_counter()
    now = timezone.now()
    for homework in Homework.objects.filter(lecture__course=course, due_at__lt=now):
        cap = homework.late_cap_points(homework.questions.count())
        with connection.cursor() as cursor:
            cursor.execute(
                GRADE_SQL, [homework.key_version, now, cap, cap, homework.pk, 0, 2**62]
            )
    keep_item_analyses(course)
    log(f"graded the past weeks in {time.perf_counter() - start:.1f} s")


def keep_item_analyses(course: Course) -> None:
    """The end of a grading run for each graded past week that has no item
    analysis yet: the homework marked graded and its item analysis kept
    (grading's own `homework_item_analysis_store`)."""
    start = time.perf_counter()
    now = timezone.now()
    missing = Homework.objects.filter(
        lecture__course=course, due_at__lt=now, item_analysis__isnull=True
    )
    for homework in missing:
        Homework.objects.filter(pk=homework.pk).update(
            graded_key_version=homework.key_version, graded_at=now
        )
        homework.graded_key_version = homework.key_version
        homework_item_analysis_store(homework=homework)
    log(f"kept the item analyses in {time.perf_counter() - start:.1f} s")


def urls(course: Course, *, lectures: int) -> list[tuple[str, str]]:
    """(page, url) pairs; the dashboard's every filter x every sort."""
    slug = course.slug
    honors = CompletionTier.objects.get(course=course, rank=2)
    someone = Enrollment.objects.filter(course=course).order_by("pk")[len_half(course)]
    search = someone.user.display_name
    filters = {
        "all": "",
        "complete": "outcome=complete",
        "incomplete": "outcome=incomplete",
        "pending": "outcome=pending",
        "tier": f"tier={honors.pk}",
        "working": "category=working",
        "at risk": "at_risk=on",
        "search": f"q={search.replace(' ', '+')}",
    }
    sorts = [
        "name",
        "-points",
        "-passed",
        "-summaries",
        "points",
        "passed",
        "summaries",
    ]
    pages = [
        (
            f"dashboard {name}, sort {sort}",
            f"/staff/{slug}/completion/?{query}&sort={sort}",
        )
        for name, query in filters.items()
        for sort in sorts
    ]
    pages += [
        (f"applications, sort {sort}", f"/staff/{slug}/applications/?sort={sort}")
        for sort in ["-applied", "applied", "name", "email", "affiliation", "status"]
    ]
    pages += [
        ("applications, pending", f"/staff/{slug}/applications/?status=applied"),
        (
            "applications, search",
            f"/staff/{slug}/applications/?q={search.replace(' ', '+')}",
        ),
    ]
    week = max(1, lectures // 2)
    review = f"/staff/{slug}/surveys/{week}/summaries/"
    pages += [
        ("summaries queue", review),
        ("summaries queue, pending", f"{review}?state=pending"),
        ("summaries queue, short", f"{review}?flag=short"),
        ("summaries queue, late", f"{review}?flag=late"),
        ("summaries queue, flagged", f"{review}?flag=flagged"),
        ("summaries queue, copies", f"{review}?flag=copies"),
        ("summaries queue, search", f"{review}?q=attention"),
        ("homework results, a past week", f"/staff/{slug}/homework/{week}/"),
        ("homework results, this week", f"/staff/{slug}/homework/{lectures}/"),
    ]
    return pages


def len_half(course: Course) -> int:
    return Enrollment.objects.filter(course=course).count() // 2


def deep(client: Client, url: str, hops: int) -> str:
    """The URL `hops` "Next" links after `url` (a page deep in the list)."""
    import re
    from html import unescape

    for _ in range(hops):
        text = client.get(url).content.decode()
        found = re.search(r'rel="next" href="([^"]+)"', text)
        if not found:
            break
        url = url.split("?")[0] + unescape(found.group(1))
    return url


def p95(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def measure(
    course: Course, *, lectures: int, samples: int, only: str = ""
) -> dict[str, dict]:
    staff = CourseRole.objects.filter(course=course).select_related("user").first()
    client = Client(headers={"host": "127.0.0.1"})
    client.force_login(staff.user)
    pages = urls(course, lectures=lectures)
    for name, first in (
        (
            "dashboard all, sort -points",
            f"/staff/{course.slug}/completion/?sort=-points",
        ),
        ("applications, sort name", f"/staff/{course.slug}/applications/?sort=name"),
    ):
        if only in f"{name}, 20 pages in":
            pages.append((f"{name}, 20 pages in", deep(client, first, 20)))
    results = {}
    for name, url in pages:
        if only not in name:
            continue
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        durations, cpu, database = [], [], []
        for _ in range(samples):
            with CaptureQueriesContext(connection) as captured:
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                durations.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200, url
            database.append(sum(float(q["time"]) for q in captured) * 1000)
        results[name] = {
            "p95_ms": round(p95(durations), 1),
            "median_ms": round(statistics.median(durations), 1),
            # On a shared machine wall time counts the waits for a core; the
            # web process's own CPU time and the queries' time tell the parts.
            "python_cpu_median_ms": round(statistics.median(cpu), 1),
            "queries_median_ms": round(statistics.median(database), 1),
            "queries": len(captured),
        }
        log(
            f"  {name}: p95 {results[name]['p95_ms']} ms "
            f"(cpu {results[name]['python_cpu_median_ms']} ms, queries "
            f"{results[name]['queries_median_ms']} ms), {len(captured)} queries"
        )
    return results


# An empty page skips the weekly grid's two queries, so a URL whose page is
# empty at the smallest size (no honors learner among 4,000) shows two more
# queries at a larger size without growing with it.
EMPTY_PAGE_QUERIES = 2


def make_figures(by_size: dict, sizes: list[int]) -> list[dict]:
    smallest, largest = by_size[min(sizes)], by_size[max(sizes)]
    figures = []
    for name, row in largest.items():
        floor = smallest[name]["p95_ms"]
        bound = smallest[name]["queries"] + EMPTY_PAGE_QUERIES
        constant = all(by_size[size][name]["queries"] <= bound for size in sizes)
        figures.append(
            {
                "figure": f"{name}, {max(sizes):,} learners, p95 "
                f"({row['queries']} queries)",
                "value": row["p95_ms"],
                "unit": "ms",
                "floor": floor,
                "ratio": round(row["p95_ms"] / floor, 2) if floor else None,
                "target": f"p95 < {TARGET_MS} ms; queries not growing",
                "met": row["p95_ms"] < TARGET_MS and constant,
            }
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", default="4000,20000,100000")
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--prepared", action="store_true")
    parser.add_argument("--pages", default="")
    args = parser.parse_args()
    smoke = args.smoke or bool(os.environ.get("BENCH_SMOKE"))
    sizes = [40, 200] if smoke else [int(n) for n in args.learners.split(",")]
    lectures = 3 if smoke else LECTURES
    samples = 3 if smoke else args.samples
    by_size = {}
    for size in sizes:
        log(f"{size:,} learners")
        course = prepare(
            size, lectures=lectures, reuse=args.reuse, prepared=args.prepared
        )
        by_size[size] = measure(
            course, lectures=lectures, samples=samples, only=args.pages
        )
    figures = make_figures(by_size, sizes)
    print(
        json.dumps(
            {
                "benchmark": "staff_pages",
                "learners": sizes,
                "lectures": lectures,
                "samples": samples,
                "by_size": {str(size): pages for size, pages in by_size.items()},
                "figures": figures,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
