"""Recording delivery: Django's permission check + X-Accel-Redirect answer
(nginx then streams the bytes), and development-mode Range responses.

An approved learner requests a published 8 MB recording through the Django
test client (the whole middleware stack, session from the cache when
REDIS_URL is set), 300 times per case (BENCH_SMOKE: 30); server time p50/p95.
Floor: the same client fetching a view that does nothing (/healthz is not
used: it checks services). Target: X-Accel-Redirect p95 < 10 ms.
"""

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
os.environ.setdefault("DEBUG", "1")
os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="koza-bench-media-")

import django

django.setup()

from django.core.files.base import ContentFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from archives.models import Kind, Material
from courses.models import Course, Enrollment, Lecture

SMOKE = bool(os.environ.get("BENCH_SMOKE"))
REQUESTS = 30 if SMOKE else 300
SIZE = 8 * 1024 * 1024
SLUG = "bench-delivery"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, int(len(ordered) * share) - 1)], 2)


def timed(client: Client, url: str, status: int, **headers) -> list[float]:
    durations = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        if response.streaming:
            b"".join(response.streaming_content)
        durations.append((time.perf_counter() - start) * 1000)
        assert response.status_code == status, response.status_code
    return durations


def main() -> None:
    Course.objects.filter(slug=SLUG).delete()
    User.objects.filter(email="bench-delivery@example.com").delete()
    course = Course.objects.create(slug=SLUG, title="Delivery", state="running")
    lecture = Lecture.objects.create(
        course=course, number=1, title="L1", starts_at=timezone.now(), published=True
    )
    learner = User.objects.create(email="bench-delivery@example.com")
    Enrollment.objects.create(course=course, user=learner, status="approved")
    material = Material(
        lecture=lecture,
        kind=Kind.RECORDING,
        original_name="lecture-1.mp4",
        content_type="video/mp4",
        size=SIZE,
        state=Material.State.READY,
        published=True,
    )
    material.file.save("lecture-1.mp4", ContentFile(os.urandom(SIZE)), save=True)
    url = reverse("material_file", args=[SLUG, material.pk, material.download_name])
    client = Client(headers={"host": "127.0.0.1"})
    client.force_login(learner)
    try:
        cases = {}
        with override_settings(MEDIA_ACCEL_REDIRECT=True):
            response = client.get(url)
            assert response.has_header("X-Accel-Redirect"), dict(response.headers)
            cases["X-Accel-Redirect"] = timed(client, url, 200)
        cases["Range first 64 KB"] = timed(client, url, 206, range="bytes=0-65535")
        middle = SIZE // 2
        cases["Range middle 1 MB"] = timed(
            client, url, 206, range=f"bytes={middle}-{middle + 1024 * 1024 - 1}"
        )
        cases["Range suffix 64 KB"] = timed(client, url, 206, range="bytes=-65536")
        floor = timed(client, reverse("set_language") + "?x", 405)
    finally:
        Course.objects.filter(slug=SLUG).delete()
        learner.delete()
    floor_p95 = percentile(floor, 0.95)
    figures = []
    for name, durations in cases.items():
        p95 = percentile(durations, 0.95)
        figure = {
            "figure": f"delivery: {name} p95 (p50 {round(statistics.median(durations), 2)} ms)",
            "value": p95,
            "unit": "ms",
            "floor": floor_p95,
            "ratio": round(p95 / floor_p95, 2),
        }
        if name == "X-Accel-Redirect":
            figure |= {"target": "< 10 ms", "met": p95 < 10}
        figures.append(figure)
    print(
        json.dumps(
            {
                "benchmark": "recording_delivery",
                "requests_per_case": REQUESTS,
                "file_bytes": SIZE,
                "floor": "GET of a view refusing the method (405): middleware only",
                "figures": figures,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
