from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from archives.models import Material
from archives.tests.conftest import NOTEBOOK, PDF

URL = "/staff/llm/lectures/1/materials/"


def test_the_page_is_for_course_admins_only(client, staff, course_admin):
    client.force_login(staff)
    assert client.get(URL).status_code == 403
    client.force_login(course_admin)
    response = client.get(URL)
    assert response.status_code == 200
    assert "tus-upload.js" in response.text
    assert response.context["tus_config"]["endpoint"] == (
        "/staff/llm/lectures/1/uploads/"
    )


def test_slides_uploaded_with_the_plain_form_are_published(client, course_admin):
    client.force_login(course_admin)
    response = client.post(
        URL,
        {
            "kind": "slides",
            "title": "Week 1 slides",
            "file": SimpleUploadedFile("w1.pdf", PDF, "application/pdf"),
            "publish": "on",
        },
    )
    assert response.status_code == 302
    material = Material.objects.get()
    assert material.title == "Week 1 slides"
    assert material.is_visible_to_learners
    assert material.file.read() == PDF


def test_a_notebook_with_a_github_url_offers_colab(client, course_admin):
    client.force_login(course_admin)
    client.post(
        URL,
        {
            "kind": "notebook",
            "file": SimpleUploadedFile("w1.ipynb", NOTEBOOK),
            "github_url": "https://github.com/koza/llm/blob/main/week1.ipynb",
        },
    )
    material = Material.objects.get()
    assert material.colab_url == (
        "https://colab.research.google.com/github/koza/llm/blob/main/week1.ipynb"
    )
    assert not material.published


def test_a_spoofed_pdf_is_refused_with_a_message_and_nothing_is_kept(
    client, course_admin, media_root
):
    client.force_login(course_admin)
    response = client.post(
        URL,
        {
            "kind": "slides",
            "file": SimpleUploadedFile(
                "w1.pdf", b"<html><script>alert(1)</script>", "application/pdf"
            ),
        },
    )
    assert response.status_code == 200
    assert "This file is not a PDF" in response.text
    assert not Material.objects.exists()
    assert not [p for p in media_root.rglob("*") if p.is_file()]


def test_an_external_youtube_video_is_added_as_a_link(client, course_admin):
    client.force_login(course_admin)
    client.post(
        URL,
        {
            "kind": "link",
            "external_url": "https://youtu.be/dQw4w9WgXcQ",
            "publish": "on",
        },
    )
    material = Material.objects.get()
    assert material.embed_url == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"


def test_other_video_sites_are_refused(client, course_admin):
    client.force_login(course_admin)
    response = client.post(
        URL, {"kind": "link", "external_url": "https://evil.example.com/v/1"}
    )
    assert "Only YouTube and Vimeo" in response.text
    assert not Material.objects.exists()


def test_a_ready_material_can_be_published_and_unpublished(
    client, course_admin, add_material
):
    material = add_material("slides", "s.pdf", PDF)
    url = reverse("material_publish", args=["llm", material.pk])
    client.force_login(course_admin)

    client.post(url, {"published": "1"})
    material.refresh_from_db()
    assert material.published and material.published_at

    client.post(url, {"published": "0"})
    material.refresh_from_db()
    assert not material.published


def test_a_failed_recording_cannot_be_published(client, course_admin, add_material):
    from archives.tests.test_processing import BROKEN_MP4

    material = add_material("recording", "w.mp4", BROKEN_MP4)
    Material.objects.filter(pk=material.pk).update(state=Material.State.FAILED)
    client.force_login(course_admin)
    response = client.post(
        reverse("material_publish", args=["llm", material.pk]),
        {"published": "1"},
        follow=True,
    )
    assert "Only a material that is ready can be published" in response.text
    material.refresh_from_db()
    assert not material.published


@pytest.mark.django_db(transaction=True)
def test_deleting_a_material_removes_its_file(client, course_admin, add_material):
    material = add_material("slides", "s.pdf", PDF)
    path = Path(material.file.path)
    client.force_login(course_admin)
    client.post(reverse("material_delete", args=["llm", material.pk]))
    assert not Material.objects.exists()
    assert not path.exists()


def test_the_list_refreshes_itself_while_a_recording_is_processing(
    client, course_admin, add_material, video_file
):
    add_material("recording", "w.mp4", video_file.read_bytes())
    client.force_login(course_admin)
    response = client.get(
        URL, headers={"HX-Request": "true", "HX-Target": "material-list"}
    )
    assert response.text.lstrip().startswith('<section id="material-list"')
    assert 'hx-trigger="every 3s"' in response.text
    assert "<html" not in response.text


def test_a_refusal_is_explained_in_japanese_to_a_japanese_browser(course_admin):
    from django.test import Client

    browser = Client(headers={"Accept-Language": "ja"})
    browser.force_login(course_admin)
    response = browser.post(
        URL, {"kind": "slides", "file": SimpleUploadedFile("w1.pdf", b"<html>")}
    )
    assert "このファイルはPDFではありません。何も保存されていません。" in response.text
