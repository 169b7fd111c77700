"""The tus server, driven by an independent client (tuspy) over real HTTP."""

import http.client
import os
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client
from django.urls import reverse
from tusclient import client as tus
from tusclient.exceptions import TusCommunicationError, TusUploadFailed

from archives.models import Material, Upload
from archives.tests.conftest import NOTEBOOK, PDF, write
from archives.tus import upload_token

pytestmark = pytest.mark.django_db(transaction=True)


def endpoint(live_server, number: int = 1) -> str:
    return live_server.url + reverse("tus_uploads", args=["llm", number])


def session_cookie(user) -> str:
    browser = Client()
    browser.force_login(user)
    return f"sessionid={browser.cookies['sessionid'].value}"


def tus_client(live_server, user, course) -> tus.TusClient:
    return tus.TusClient(
        endpoint(live_server),
        headers={
            "Cookie": session_cookie(user),
            "Upload-Token": upload_token(user=user, course=course),
            "Accept-Language": "en",
        },
    )


def test_a_recording_uploads_in_pieces_and_becomes_a_ready_material(
    live_server, course, course_admin, video_file
):
    uploader = tus_client(live_server, course_admin, course).uploader(
        file_path=str(video_file),
        chunk_size=4096,
        metadata={"filename": "week1.mp4", "kind": "recording", "title": "Week 1"},
    )
    uploader.upload()

    material = Material.objects.get()
    assert material.title == "Week 1"
    assert material.size == video_file.stat().st_size
    assert material.file.read() == video_file.read_bytes()
    assert material.state == Material.State.READY  # processed (eager Celery)
    assert material.duration == pytest.approx(2, abs=0.2)
    assert not Upload.objects.exists()
    assert not any(material.file.storage.listdir("tus")[1])


def test_an_interrupted_upload_resumes_where_it_stopped(
    live_server, course, course_admin, video_file
):
    client = tus_client(live_server, course_admin, course)
    metadata = {"filename": "week1.mp4", "kind": "recording"}
    first = client.uploader(
        file_path=str(video_file), chunk_size=4096, metadata=metadata
    )
    first.upload(stop_at=8192)
    assert not Material.objects.exists()

    # The connection drops in the middle of a PATCH: what arrived is kept.
    data = video_file.read_bytes()
    url = urlsplit(first.url)
    connection = http.client.HTTPConnection(url.hostname, url.port)
    connection.putrequest("PATCH", url.path)
    for name, value in {
        **client.headers,
        "Tus-Resumable": "1.0.0",
        "Upload-Offset": "8192",
        "Content-Type": "application/offset+octet-stream",
        "Content-Length": "6000",
    }.items():
        connection.putheader(name, value)
    connection.endheaders()
    connection.send(data[8192 : 8192 + 2500])
    connection.sock.shutdown(2)
    connection.close()

    resumed = client.uploader(file_path=str(video_file), url=first.url)
    for _ in range(50):  # the server notices the closed socket
        resumed.offset = resumed.get_offset()
        if resumed.offset == 8192 + 2500:
            break
    assert resumed.offset == 8192 + 2500
    resumed.chunk_size = 4096
    resumed.upload()

    material = Material.objects.get()
    assert material.file.read() == data


def test_a_wrong_offset_is_refused_with_409_and_changes_nothing(
    live_server, course, course_admin, video_file
):
    uploader = tus_client(live_server, course_admin, course).uploader(
        file_path=str(video_file),
        chunk_size=4096,
        metadata={"filename": "week1.mp4", "kind": "recording"},
    )
    uploader.upload(stop_at=4096)
    uploader.offset = 1000
    with pytest.raises(TusUploadFailed) as error:
        uploader.upload_chunk()
    assert error.value.status_code == 409
    assert Upload.objects.get().offset == 4096


def test_a_file_over_the_kind_limit_is_refused_before_any_byte(
    live_server, course, course_admin, settings, tmp_path
):
    settings.ARCHIVE_LIMITS = {
        **settings.ARCHIVE_LIMITS,
        "slides": {"max_size": 100, "extensions": [".pdf"]},
    }
    path = write(tmp_path, "slides.pdf", PDF + b"x" * 200)
    uploader = tus_client(live_server, course_admin, course).uploader(
        file_path=str(path), metadata={"filename": "slides.pdf", "kind": "slides"}
    )
    with pytest.raises(TusCommunicationError) as error:
        uploader.upload()
    assert error.value.status_code == 413
    assert "too large" in error.value.response_content.decode()
    assert not Upload.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "staff", "learner", "no_token"])
def test_only_course_admins_with_the_page_token_can_upload(
    live_server, course, course_admin, staff, learner, who, tmp_path
):
    user = {"staff": staff, "learner": learner}.get(who, course_admin)
    headers = {"Upload-Token": upload_token(user=user, course=course)}
    if who != "anonymous":
        headers["Cookie"] = session_cookie(user)
    if who == "no_token":
        del headers["Upload-Token"]
    path = write(tmp_path, "slides.pdf", PDF)
    uploader = tus.TusClient(endpoint(live_server), headers=headers).uploader(
        file_path=str(path), metadata={"filename": "slides.pdf", "kind": "slides"}
    )
    with pytest.raises(TusCommunicationError) as error:
        uploader.upload()
    assert error.value.status_code == (401 if who == "anonymous" else 403)
    assert not Upload.objects.exists()


def test_another_users_upload_cannot_be_continued(
    live_server, course, course_admin, user_factory, video_file
):
    from courses.models import CourseRole

    uploader = tus_client(live_server, course_admin, course).uploader(
        file_path=str(video_file),
        chunk_size=4096,
        metadata={"filename": "week1.mp4", "kind": "recording"},
    )
    uploader.upload(stop_at=4096)
    second_admin = user_factory()
    CourseRole.objects.create(course=course, user=second_admin, role="admin")
    other = tus_client(live_server, second_admin, course)
    response = requests.head(
        uploader.url, headers=other.headers | {"Tus-Resumable": "1.0.0"}, timeout=10
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("kind", "name", "content"),
    [
        ("recording", "week1.mp4", b"<html><script>alert(1)</script></html>"),
        ("slides", "slides.pdf", b"<!doctype html><h1>not a pdf</h1>"),
        ("notebook", "week1.ipynb", b'{"cells": "not a notebook"}'),
        ("captions", "ja.vtt", b"1\n00:00:00,000 --> 00:00:01,000\nSRT\n"),
    ],
)
def test_a_file_whose_content_is_not_its_kind_is_refused_and_nothing_is_kept(
    live_server, course, course_admin, tmp_path, kind, name, content, media_root
):
    path = write(tmp_path, name, content)
    uploader = tus_client(live_server, course_admin, course).uploader(
        file_path=str(path), metadata={"filename": name, "kind": kind}
    )
    with pytest.raises(TusUploadFailed) as error:
        uploader.upload()
    assert error.value.status_code == 415
    assert "nothing was saved" in error.value.response_content.decode()
    assert not Upload.objects.exists()
    assert not Material.objects.exists()
    assert [p for p in media_root.rglob("*") if p.is_file()] == []


def test_a_wrong_extension_is_refused_at_creation(
    live_server, course, course_admin, tmp_path
):
    path = write(tmp_path, "notes.exe", NOTEBOOK)
    uploader = tus_client(live_server, course_admin, course).uploader(
        file_path=str(path), metadata={"filename": "notes.exe", "kind": "notebook"}
    )
    with pytest.raises(TusCommunicationError) as error:
        uploader.upload()
    assert error.value.status_code == 415
    assert ".ipynb" in error.value.response_content.decode()


def test_options_describes_the_server(live_server, course):
    response = requests.options(endpoint(live_server), timeout=10)
    assert response.status_code == 204
    assert response.headers["Tus-Version"] == "1.0.0"
    assert response.headers["Tus-Extension"] == "creation,termination"
    assert int(response.headers["Tus-Max-Size"]) >= 1024**3


def test_delete_terminates_an_upload_and_removes_its_bytes(
    live_server, course, course_admin, video_file, media_root
):
    client = tus_client(live_server, course_admin, course)
    uploader = client.uploader(
        file_path=str(video_file),
        chunk_size=4096,
        metadata={"filename": "week1.mp4", "kind": "recording"},
    )
    uploader.upload(stop_at=4096)
    upload = Upload.objects.get()
    assert upload.temp_path.exists()

    response = requests.delete(
        uploader.url, headers=client.headers | {"Tus-Resumable": "1.0.0"}, timeout=10
    )

    assert response.status_code == 204
    assert not Upload.objects.exists()
    assert not upload.temp_path.exists()


def test_abandoned_uploads_are_removed_by_the_sweep(
    live_server, course, course_admin, video_file, settings
):
    from archives.tasks import archives_sweep

    uploader = tus_client(live_server, course_admin, course).uploader(
        file_path=str(video_file),
        chunk_size=4096,
        metadata={"filename": "week1.mp4", "kind": "recording"},
    )
    uploader.upload(stop_at=4096)
    upload = Upload.objects.get()
    stray = upload.temp_path.with_name("0000-stray.part")
    stray.write_bytes(b"left by a crash")
    os.utime(stray, (0, 0))

    archives_sweep()
    assert Upload.objects.count() == 1  # still fresh

    settings.ARCHIVE_UPLOAD_EXPIRY_HOURS = 0
    archives_sweep()
    assert not Upload.objects.exists()
    assert not upload.temp_path.exists()
    assert not stray.exists()


def test_an_upload_whose_last_step_failed_can_be_finished_by_a_retry(
    live_server, course, course_admin, video_file, monkeypatch
):
    import archives.services

    uploader = tus_client(live_server, course_admin, course).uploader(
        file_path=str(video_file),
        chunk_size=8192,
        metadata={"filename": "week1.mp4", "kind": "recording"},
    )
    size = video_file.stat().st_size
    uploader.upload(stop_at=size - 100)

    def database_down(*args, **kwargs):
        raise RuntimeError("database went away")

    with monkeypatch.context() as patch:
        patch.setattr(archives.services.Material, "save", database_down)
        with pytest.raises(TusUploadFailed):
            uploader.upload()
    assert Upload.objects.get().offset == size  # every byte kept
    assert not Material.objects.exists()

    uploader.offset = size
    response = requests.patch(
        uploader.url,
        headers={
            **uploader.get_headers(),
            "Upload-Offset": str(size),
            "Content-Type": "application/offset+octet-stream",
        },
        data=b"",
        timeout=10,
    )
    assert response.status_code == 204
    assert Material.objects.get().file.read() == video_file.read_bytes()


def test_requests_that_do_not_speak_tus_are_refused(
    live_server, course, course_admin, video_file
):
    client = tus_client(live_server, course_admin, course)
    uploader = client.uploader(
        file_path=str(video_file),
        chunk_size=4096,
        metadata={"filename": "week1.mp4", "kind": "recording"},
    )
    uploader.upload(stop_at=4096)

    no_version = requests.head(uploader.url, headers=client.headers, timeout=10)
    assert no_version.status_code == 412
    assert no_version.headers["Tus-Version"] == "1.0.0"

    form_post = requests.patch(
        uploader.url,
        headers=client.headers | {"Tus-Resumable": "1.0.0", "Upload-Offset": "4096"},
        files={"file": ("x.mp4", b"data")},
        timeout=10,
    )
    assert form_post.status_code == 415
    assert Upload.objects.get().offset == 4096
