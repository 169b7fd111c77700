"""The demo recording plays on a fresh machine, with or without ffmpeg."""

from datetime import timedelta

import pytest
from django.utils import timezone

from archives import demo
from archives.models import Kind, Material
from courses.models import Lecture

pytestmark = pytest.mark.django_db


def test_without_ffmpeg_the_demo_still_has_a_playable_recording_with_captions(
    client, course, course_admin, staff, learner, monkeypatch, tmp_path
):
    monkeypatch.setenv("PATH", str(tmp_path))  # no ffmpeg, no ffprobe
    Lecture.objects.create(
        course=course,
        number=7,
        title="Prompting",
        starts_at=timezone.now() - timedelta(days=3),
        published=True,
    )

    demo.seed(course=course, admin=course_admin, staff=staff, learner=learner)
    demo.seed(course=course, admin=course_admin, staff=staff, learner=learner)

    recording = Material.objects.get(kind=Kind.RECORDING)
    assert recording.state == Material.State.READY
    assert recording.published
    assert recording.duration == 8.0
    assert recording.poster.name
    assert Material.objects.filter(kind=Kind.CAPTIONS, published=True).count() == 1
    client.force_login(learner)
    page = client.get("/courses/llm/lectures/7/").text
    assert "<video" in page
    assert '<track kind="captions"' in page
    assert "· 0:08" in page
    served = client.get(
        f"/courses/llm/materials/{recording.pk}/week7.mp4",
        headers={"range": "bytes=0-99"},
    )
    assert served.status_code == 206
    assert b"".join(served.streaming_content)[4:8] == b"ftyp"


def test_the_shipped_sample_recording_stays_small():
    video = demo.SAMPLE / "week7.mp4"
    poster = demo.SAMPLE / "week7-poster.jpg"

    assert video.read_bytes()[4:8] == b"ftyp"
    assert video.stat().st_size < 300_000
    assert poster.read_bytes()[:2] == b"\xff\xd8"
