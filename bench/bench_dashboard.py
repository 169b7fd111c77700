"""Staff applications page at 400, 4,000 and 20,000 learners (BENCH_SMOKE:
40 and 400): server time (Django test client, median of 5 after a warm-up)
and query count, which must not grow with the course. The completion
dashboard is measured by bench_certification.py.

Each size is a fresh seed_scale course with one lecture (the page reads
enrollments only); 10 % of enrollments are turned back into pending
applications so the review queue is not empty.
"""

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
from django.urls import reverse

from accounts.models import User
from courses.models import Course, Enrollment

SMOKE = bool(os.environ.get("BENCH_SMOKE"))
SIZES = [40, 400] if SMOKE else [400, 4000, 20000]
SLUG = "dash"


def measure(size: int) -> dict:
    call_command("seed_scale", learners=size, lectures=1, slug=SLUG, stdout=sys.stderr)
    course = Course.objects.get(slug=SLUG)
    pending = Enrollment.objects.filter(course=course).order_by("pk")[: size // 10]
    Enrollment.objects.filter(pk__in=pending.values("pk")).update(status="applied")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client(headers={"host": "127.0.0.1"})
    client.force_login(User.objects.get(email=f"{SLUG}-staff@example.com"))
    url = reverse("staff_applications", args=[SLUG])
    assert client.get(url).status_code == 200
    durations = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            durations.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return {
        "learners": size,
        "ms": round(statistics.median(durations), 1),
        "spread": [round(min(durations), 1), round(max(durations), 1)],
        "queries": len(captured),
    }


def main() -> None:
    rows = [measure(size) for size in SIZES]
    Course.objects.filter(slug=SLUG).delete()
    User.objects.filter(email__startswith=f"{SLUG}-").delete()
    queries_constant = len({row["queries"] for row in rows}) == 1
    smallest = rows[0]
    figures = [
        {
            "figure": f"applications page, {row['learners']} learners "
            f"({row['queries']} queries)",
            "value": row["ms"],
            "unit": "ms",
            "spread": row["spread"],
            "floor": smallest["ms"],
            "ratio": round(row["ms"] / smallest["ms"], 2),
            "target": "query count constant",
            "met": queries_constant,
        }
        for row in rows
    ]
    print(
        json.dumps(
            {"benchmark": "applications_dashboard", "sizes": rows, "figures": figures},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
