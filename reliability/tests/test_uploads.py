"""Hostile uploads on every endpoint that takes a file: a refusal the person
can read, and no file left behind. Koza accepts no archives anywhere, so an
archive (a zip bomb included) is refused wherever it is sent."""

import io
import tempfile
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from archives.models import Material
from competitions.models import Entry, Participant
from quizzes.homework.models import Question

TMP = Path(tempfile.gettempdir())


def zip_bomb() -> bytes:
    """A small zip that inflates to 200 MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        name = "../../../.." + str(TMP / "escape.csv")
        archive.writestr(name, b"0" * (200 * 1024 * 1024))
    return buffer.getvalue()


BOMB = zip_bomb()
TRUNCATED_PDF = b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pa"
TRUNCATED_NOTEBOOK = b'{"nbformat": 4, "nbformat_minor": 5, "cells": [{"cell_'


def stored_files() -> list[Path]:
    roots = [Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)]
    return sorted(
        path
        for root in roots
        if root.exists()
        for path in root.rglob("*")
        if path.is_file()
    )


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.users["admin"])
    return client


MATERIALS_URL = "/staff/llm/lectures/1/materials/"


@pytest.mark.parametrize(
    ("kind", "name", "content", "message"),
    [
        ("slides", "slides.zip", BOMB, ""),
        ("slides", "slides.pdf", BOMB, "not a PDF"),
        ("notebook", "week1.ipynb", BOMB, ""),
        ("notebook", "week1.ipynb", TRUNCATED_NOTEBOOK, ""),
        ("slides", "slides.pdf", TRUNCATED_PDF, "not a PDF"),
        ("slides", "../../../escape.pdf", b"<html>", "not a PDF"),
    ],
    ids=[
        "zip",
        "zip-as-pdf",
        "zip-as-notebook",
        "truncated-notebook",
        "truncated-pdf",
        "traversal",
    ],
)
def test_a_bad_material_file_is_refused_and_nothing_kept(
    admin_client, world, kind, name, content, message
):
    before = stored_files()
    materials = Material.objects.count()
    response = admin_client.post(
        MATERIALS_URL,
        {"kind": kind, "file": SimpleUploadedFile(name, content, "application/pdf")},
    )
    assert response.status_code in (200, 400)
    assert 'class="errorlist' in response.text or "alert" in response.text
    assert message in response.text
    assert Material.objects.count() == materials
    assert stored_files() == before


def test_an_archive_sent_as_a_competition_entry_is_rejected_with_a_reason(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.users["learner"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/courses/llm/competition/upload/",
            {"file": SimpleUploadedFile("predictions.csv", BOMB, "text/csv")},
            follow=True,
        )
    assert response.status_code == 200
    entry = Entry.objects.latest("pk")
    assert entry.status == Entry.Status.REJECTED
    assert entry.reason or entry.row_errors
    assert not (TMP / "escape.csv").exists()
    assert not entry.file  # refused on its first line: nothing was stored


@pytest.mark.parametrize(
    "encoding", ["utf-16", "shift_jis", "cp1252"], ids=["utf16", "sjis", "latin"]
)
def test_a_competition_file_in_another_encoding_is_rejected_with_its_line(
    client, world, encoding, django_capture_on_commit_callbacks
):
    client.force_login(world.users["learner"])
    text = "id,prediction\n" + "".join(
        f"a{i},{'ポジ' if encoding == 'shift_jis' else 'café'}\n" for i in range(10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/courses/llm/competition/upload/",
            {"file": SimpleUploadedFile("p.csv", text.encode(encoding), "text/csv")},
        )
    entry = Entry.objects.latest("pk")
    assert entry.status == Entry.Status.REJECTED
    assert [e["code"] for e in entry.row_errors] == ["not_utf8"]
    page = client.get("/courses/llm/competition/").content.decode()
    assert "is not valid UTF-8. Save the file as UTF-8." in page


def test_a_path_in_an_entry_file_name_never_leaves_the_private_folder(client, world):
    client.force_login(world.users["learner"])
    client.post(
        "/courses/llm/competition/upload/",
        {
            "file": SimpleUploadedFile(
                "../../../../.." + str(TMP / "koza-escape.csv"),
                b"id,prediction\n",
                "text/csv",
            )
        },
    )
    entry = Entry.objects.latest("pk")
    assert (
        Path(entry.file.path)
        .resolve()
        .is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    )
    assert "/" not in entry.original_name
    assert not (TMP / "koza-escape.csv").exists()


@pytest.mark.parametrize(
    "content",
    [BOMB, TRUNCATED_PDF, TRUNCATED_PDF[:4], b""],
    ids=["zip", "truncated", "header-only", "empty"],
)
def test_a_report_that_is_not_a_whole_pdf_is_refused(client, world, content):
    world.competition.report_required = True
    world.competition.save()
    Participant.objects.filter(pk=world.participant.pk).update(report="")
    before = stored_files()
    client.force_login(world.users["learner"])
    response = client.post(
        "/courses/llm/competition/report/",
        {"file": SimpleUploadedFile("report.pdf", content, "application/pdf")},
        follow=True,
    )
    assert response.status_code == 200
    assert not Participant.objects.exclude(report="").exists()
    assert stored_files() == before


@pytest.mark.parametrize(
    ("name", "content"),
    [("questions.zip", BOMB), ("questions.txt", "質問".encode("shift_jis") * 10)],
    ids=["zip", "sjis"],
)
def test_a_question_import_that_is_not_utf8_text_is_refused(
    admin_client, world, name, content
):
    questions = Question.objects.count()
    response = admin_client.post(
        "/staff/llm/homework/1/import/",
        {"kind": "gift", "file": SimpleUploadedFile(name, content, "text/plain")},
    )
    assert response.status_code in (200, 400)
    assert "The file is not UTF-8 text." in response.text or (
        "larger than" in response.text
    )
    assert Question.objects.count() == questions
