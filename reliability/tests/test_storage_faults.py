"""The disk under uploads fills up or turns read-only while learners upload
competition files and reports: each learner is told that nothing was saved
(in their language), nothing half-written stays behind to keep the disk
full, /healthz names the storage, and the same upload works once the disk is
fine again.

A full disk is a file-size limit on this process (RLIMIT_FSIZE: every write
past it fails, as on a full disk); a read-only disk is a read-only bind mount
(as root) or a directory without write permission (as anyone else).
"""

import contextlib
import json
import os
import resource
import signal
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from competitions.models import Entry
from competitions.tests.conftest import csv_upload, perfect_rows

pytestmark = pytest.mark.django_db

LIMIT = 256 * 1024
NOTHING_SAVED = "Nothing was submitted and nothing counts towards"
NOTHING_SAVED_JA = "提出は行われておらず、本日の提出回数にも数えられません。"
REPORT_KEPT = "Your earlier report, if any, is kept."


@contextlib.contextmanager
def full_disk():
    """Writes past LIMIT bytes fail with an OSError, as on a full disk."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


@contextlib.contextmanager
def read_only(path):
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        path.chmod(0o555)
        try:
            yield
        finally:
            path.chmod(0o755)
        return
    try:
        subprocess.run(["mount", "--bind", path, path], check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("running as root without the right to mount")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", path], check=True)
        yield
    finally:
        subprocess.run(["umount", path], check=True)


@pytest.fixture
def upload_dirs(settings, tmp_path):
    """Django's temporary upload files land here, so the test sees them."""
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    return settings.FILE_UPLOAD_TEMP_DIR, settings.PRIVATE_MEDIA_ROOT


def _files(*roots) -> list[str]:
    return sorted(
        os.path.join(top, name)
        for root in roots
        for top, _dirs, names in os.walk(root)
        for name in names
    )


def _big_csv() -> SimpleUploadedFile:
    rows = "".join(f"row{n},pos\n" for n in range(60_000))  # ~600 KB
    return SimpleUploadedFile("big.csv", ("id,prediction\n" + rows).encode())


def _big_pdf() -> SimpleUploadedFile:
    body = b"%PDF-1.4\n" + b"0" * (600 * 1024) + b"\n%%EOF\n"
    return SimpleUploadedFile("report.pdf", body, content_type="application/pdf")


def test_a_full_disk_during_a_competition_upload_saves_nothing_and_says_so(
    client, world, upload_dirs
):
    learner = world.users["learner"]
    client.force_login(learner)
    before_files = _files(*upload_dirs)
    entries = Entry.objects.filter(user=learner).count()

    with full_disk():
        response = client.post(
            "/courses/llm/competition/upload/", {"file": _big_csv()}, follow=True
        )

    assert response.status_code == 200
    assert NOTHING_SAVED in response.content.decode()
    assert Entry.objects.filter(user=learner).count() == entries
    assert _files(*upload_dirs) == before_files
    # Space again: the same learner uploads, and it counts.
    response = client.post(
        "/courses/llm/competition/upload/",
        {"file": csv_upload(perfect_rows())},
        follow=True,
    )
    assert "Your file is queued" in response.content.decode()
    assert Entry.objects.filter(user=learner).count() == entries + 1


def test_a_full_disk_during_a_report_upload_keeps_the_earlier_report(
    client, world, upload_dirs
):
    learner = world.users["learner"]
    client.force_login(learner)
    earlier = world.participant.report.name
    before_files = _files(*upload_dirs)

    with full_disk():
        response = client.post(
            "/courses/llm/competition/report/",
            {"file": _big_pdf()},
            follow=True,
            headers={"accept-language": "en"},
        )

    assert response.status_code == 200
    assert REPORT_KEPT in response.content.decode()
    world.participant.refresh_from_db()
    assert world.participant.report.name == earlier
    assert world.participant.report.read().startswith(b"%PDF")
    assert _files(*upload_dirs) == before_files  # no partial file left


def test_a_read_only_disk_refuses_uploads_with_a_message_in_japanese(
    client, world, upload_dirs, settings
):
    settings.LANGUAGE_CODE = "ja"
    learner = world.users["learner"]
    client.force_login(learner)
    entries = Entry.objects.filter(user=learner).count()
    before_files = _files(*upload_dirs)

    with read_only(settings.PRIVATE_MEDIA_ROOT):
        response = client.post(
            "/courses/llm/competition/upload/",
            {"file": csv_upload(perfect_rows())},
            follow=True,
            headers={"accept-language": "ja"},
        )

    assert response.status_code == 200
    assert NOTHING_SAVED_JA in response.content.decode()
    assert Entry.objects.filter(user=learner).count() == entries
    assert _files(*upload_dirs) == before_files


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_healthz_reports_storage_that_cannot_be_written(
    client, settings, fault, caplog
):
    settings.PRIVATE_MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    assert client.get("/healthz").status_code == 200

    if fault == "full":
        with full_disk():
            resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))
            response = client.get("/healthz")
    else:
        with read_only(settings.PRIVATE_MEDIA_ROOT):
            response = client.get("/healthz")

    assert response.status_code == 503
    # Anyone may ask: the check says only that it failed (no paths, no
    # exception text); the log has the details.
    assert json.loads(response.content)["checks"]["storage"] == "error"
    assert "cannot write" in caplog.text
