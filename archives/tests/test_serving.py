import pytest

from archives.models import Material
from archives.tests.conftest import NOTEBOOK, PDF, VTT

# 10,246 bytes ending like a whole PDF (a truncated one is refused on upload).
CONTENT = bytes(range(256)) * 40 + b"%%EOF\n"


@pytest.fixture
def recording(add_material, video_file):
    """A ready, published recording (processing is not what is tested here)."""
    material = add_material("recording", "week1.mp4", video_file.read_bytes())
    Material.objects.filter(pk=material.pk).update(
        state=Material.State.READY, published=True
    )
    material.refresh_from_db()
    return material


@pytest.fixture
def slides(add_material):
    return add_material(
        "slides", "Week 1 スライド.pdf", PDF + CONTENT, publish_when_ready=True
    )


def get(client, material, **headers):
    return client.get(material.get_absolute_url(), headers=headers)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_learner_downloads_the_slides_as_an_attachment(client, learner, slides):
    client.force_login(learner)
    response = get(client, slides)
    assert response.status_code == 200
    assert body(response) == PDF + CONTENT
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Accept-Ranges"] == "bytes"


def test_the_slides_can_be_viewed_inline_in_a_sandbox(client, learner, slides):
    client.force_login(learner)
    response = client.get(slides.get_absolute_url() + "?view=1")
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Type"] == "application/pdf"
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),  # the first bytes
        ("bytes=5000-5099", 5000, 5099),  # the middle
        ("bytes=-100", None, None),  # the last 100 (suffix)
        ("bytes=10000-", 10000, None),  # open-ended
        ("bytes=0-999999", 0, None),  # past the end is clipped
    ],
)
def test_range_requests_get_exactly_the_bytes_asked_for(
    client, learner, slides, header, first, last
):
    data = PDF + CONTENT
    size = len(data)
    first = size - 100 if first is None and last is None else first
    last = size - 1 if last is None else last
    client.force_login(learner)

    response = get(client, slides, Range=header)

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{size}"
    assert response["Content-Length"] == str(last - first + 1)
    assert body(response) == data[first : last + 1]


@pytest.mark.parametrize(
    "header", ["bytes=999999-", "bytes=50-10", "bytes=-0", "items=0-5", "bytes=x-y"]
)
def test_an_unsatisfiable_range_gets_416(client, learner, slides, header):
    client.force_login(learner)
    response = get(client, slides, Range=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{slides.size}"


def test_several_ranges_are_answered_with_the_whole_file(client, learner, slides):
    client.force_login(learner)
    response = get(client, slides, Range="bytes=0-1,5-6")
    assert response.status_code == 200
    assert body(response) == PDF + CONTENT


def test_a_recording_plays_inline_and_seeks(client, learner, recording, video_file):
    client.force_login(learner)
    response = get(client, recording, Range="bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"].startswith("inline;")
    assert body(response) == video_file.read_bytes()[100:200]


def test_a_notebook_is_always_a_download(client, learner, add_material):
    notebook = add_material(
        "notebook", "week1.ipynb", NOTEBOOK, publish_when_ready=True
    )
    client.force_login(learner)
    response = client.get(notebook.get_absolute_url() + "?view=1")
    assert response["Content-Disposition"] == 'attachment; filename="week1.ipynb"'
    assert response["Content-Type"] == "application/x-ipynb+json"


def test_nginx_streams_the_file_when_accel_redirect_is_on(
    client, learner, slides, settings
):
    settings.MEDIA_ACCEL_REDIRECT = True
    client.force_login(learner)
    response = get(client, slides)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"].startswith("/protected-media/archives/llm/1/")
    assert response["X-Accel-Redirect"].endswith(".pdf")
    assert response.content == b""
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("applicant", 403),
        ("other_learner", 403),
        ("other_staff", 403),
        ("learner", 200),
        ("staff", 200),
        ("course_admin", 200),
    ],
)
def test_only_approved_learners_and_staff_of_the_course_get_the_files(
    client, request, slides, who, status
):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = get(client, slides)
    assert response.status_code == status
    if status == 302:
        assert "/accounts/login/" in response["Location"]


def test_learners_do_not_get_unpublished_or_unready_materials(
    client, learner, staff, add_material, video_file
):
    draft = add_material("slides", "draft.pdf", PDF)
    processing = add_material(
        "recording", "week1.mp4", video_file.read_bytes(), publish_when_ready=True
    )
    client.force_login(learner)
    assert get(client, draft).status_code == 404
    assert get(client, processing).status_code == 404
    client.force_login(staff)
    assert get(client, draft).status_code == 200


def test_materials_of_an_unpublished_lecture_are_hidden_from_learners(
    client, learner, slides
):
    slides.lecture.published = False
    slides.lecture.save()
    client.force_login(learner)
    assert get(client, slides).status_code == 404


def test_captions_are_served_as_webvtt(client, learner, add_material):
    captions = add_material("captions", "ja.vtt", VTT, publish_when_ready=True)
    client.force_login(learner)
    response = get(client, captions)
    assert response["Content-Type"] == "text/vtt; charset=utf-8"
    assert body(response) == VTT


def test_with_object_storage_the_view_redirects_to_the_storage_url(
    client, learner, add_material, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.InMemoryStorage",
            "OPTIONS": {"base_url": "https://bucket.example.com/"},
        },
    }
    slides = add_material("slides", "s.pdf", PDF, publish_when_ready=True)
    client.force_login(learner)
    response = get(client, slides)
    assert response.status_code == 302
    assert response["Location"] == f"https://bucket.example.com/{slides.file.name}"
    assert response["Cache-Control"] == "private, no-store"


def test_a_url_with_another_files_name_is_not_found(client, learner, slides):
    client.force_login(learner)
    url = slides.get_absolute_url().rsplit("/", 1)[0] + "/other.mp4"
    assert client.get(url).status_code == 404
