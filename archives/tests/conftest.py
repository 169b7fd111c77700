import json
import shutil
import subprocess
from pathlib import Path

import pytest

from archives.services import material_create_from_path

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
VTT = b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n"
NOTEBOOK = json.dumps(
    {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
).encode()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test stores its media in a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ARCHIVE_UPLOAD_DIR = tmp_path / "media" / "tus"
    settings.MEDIA_ACCEL_REDIRECT = False
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def video_file(tmp_path_factory) -> Path:
    """A real 2-second MP4 made by ffmpeg."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    path = tmp_path_factory.mktemp("video") / "lecture.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi",
         "-i", "testsrc=duration=2:size=160x120:rate=25",
         "-c:v", "libx264", "-g", "1", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
         str(path)],
        check=True,
    )  # fmt: skip
    return path


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.fixture
def add_material(tmp_path, course, course_admin):
    """Store a file as a material of lecture 1, the way an upload does."""

    def add(kind: str, name: str, content: bytes, *, number: int = 1, **extra):
        path = write(tmp_path, name, content)
        return material_create_from_path(
            lecture=course.lectures.get(number=number),
            kind=kind,
            path=path,
            filename=name,
            user=course_admin,
            **extra,
        )

    return add


@pytest.fixture
def client():
    """A browser that asks for English (Koza's default language is Japanese);
    test_staff_page checks the Japanese messages too."""
    from django.test import Client

    return Client(headers={"Accept-Language": "en"})
