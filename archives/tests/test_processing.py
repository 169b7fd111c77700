import os

import pytest

from archives.models import Material
from archives.services import material_process
from conftest import wait_for

#: Passes the upload's magic-byte check (an MP4 'ftyp' box) but is no video.
BROKEN_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + os.urandom(4000)


def test_a_real_recording_is_probed_and_gets_a_poster(
    add_material, video_file, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        material = add_material(
            "recording", "week1.mp4", video_file.read_bytes(), publish_when_ready=True
        )

    material.refresh_from_db()
    assert material.state == Material.State.READY
    assert material.duration == pytest.approx(2, abs=0.2)
    assert (material.width, material.height) == (160, 120)
    assert material.codec == "h264"
    assert material.poster.read(2) == b"\xff\xd8"  # a JPEG
    assert material.published
    assert material.published_at is not None


def test_a_recording_is_not_published_unless_asked(
    add_material, video_file, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        material = add_material("recording", "week1.mp4", video_file.read_bytes())

    material.refresh_from_db()
    assert material.state == Material.State.READY
    assert not material.published


def test_a_file_ffprobe_cannot_read_fails_with_the_reason_and_stays_unpublished(
    add_material, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        material = add_material(
            "recording", "week1.mp4", BROKEN_MP4, publish_when_ready=True
        )

    material.refresh_from_db()
    assert material.state == Material.State.FAILED
    assert "ffprobe" in material.failure_reason
    assert not material.published
    assert not material.poster


def test_processing_twice_changes_nothing(
    add_material, video_file, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        material = add_material("recording", "week1.mp4", video_file.read_bytes())
    material.refresh_from_db()
    poster = material.poster.name

    material_process(material_id=material.pk)

    material.refresh_from_db()
    assert material.state == Material.State.READY
    assert material.poster.name == poster


def test_a_recording_whose_task_was_lost_is_processed_by_the_sweep(
    add_material, video_file
):
    from datetime import timedelta

    from django.utils import timezone

    from archives.tasks import archives_sweep

    material = add_material("recording", "week1.mp4", video_file.read_bytes())
    Material.objects.filter(pk=material.pk).update(
        updated_at=timezone.now() - timedelta(hours=1)
    )

    archives_sweep()

    material.refresh_from_db()
    assert material.state == Material.State.READY


@pytest.mark.services
def test_a_real_worker_processes_an_uploaded_recording(
    celery_worker, add_material, video_file, media_root, settings
):
    celery_worker.stop_all()
    celery_worker.start(
        extra_env={
            "MEDIA_ROOT": str(media_root),
            "ARCHIVE_UPLOAD_DIR": str(settings.ARCHIVE_UPLOAD_DIR),
        }
    )
    material = add_material("recording", "week1.mp4", video_file.read_bytes())

    wait_for(
        lambda: Material.objects.filter(
            pk=material.pk, state=Material.State.READY
        ).exists()
    )
    material.refresh_from_db()
    assert material.poster.read(2) == b"\xff\xd8"


@pytest.mark.parametrize(
    ("seconds", "shown"), [(2.04, "0:02"), (754.6, "12:35"), (7322, "2:02:02")]
)
def test_the_length_of_a_recording_reads_like_a_player(seconds, shown):
    assert Material(duration=seconds).duration_display == shown
