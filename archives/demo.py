"""Demo materials for last week's lecture: a small real recording with
Japanese captions, a one-page PDF and a notebook.

The recording is a file shipped with Koza (an 8-second test pattern with a
tone, made once with ffmpeg), so the demo plays on a machine without ffmpeg.
Without ffprobe the upload cannot be processed, so the demo records the
sample's known facts and poster itself instead of leaving it "failed"."""

import json
import shutil
import tempfile
from pathlib import Path

from django.core.files.base import ContentFile
from django.utils import timezone

from archives.models import Material
from archives.services import material_create_from_path
from courses.models import Lecture

SAMPLE = Path(__file__).resolve().parent / "demo_files"
# What ffprobe says of demo_files/week7.mp4 (regenerate both together:
#   ffmpeg -f lavfi -i testsrc=duration=8:size=480x270:rate=15
#          -f lavfi -i sine=frequency=440:duration=8 -c:v libx264 -crf 32
#          -preset veryslow -pix_fmt yuv420p -c:a aac -b:a 32k
#          -movflags +faststart -shortest week7.mp4).
SAMPLE_FACTS = {"duration": 8.0, "width": 480, "height": 270, "codec": "h264"}

CAPTIONS = """WEBVTT

00:00.000 --> 00:04.000
講義アーカイブ（録画）のデモです。

00:04.000 --> 00:08.000
字幕は WebVTT で表示されます。
"""

NOTEBOOK = {
    "nbformat": 4,
    "nbformat_minor": 5,
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    "cells": [
        {
            "cell_type": "markdown",
            "id": "intro",
            "metadata": {},
            "source": ["# Week 7 hands-on\n", "Run on a free Colab GPU."],
        },
        {
            "cell_type": "code",
            "id": "hello",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": ["print('hello, LLM')"],
        },
    ],
}


def _pdf(title: str) -> bytes:
    """A valid one-page PDF with a line of text (offsets computed)."""
    text = f"BT /F1 24 Tf 40 120 Td ({title}) Tj ET".encode()
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 480 270]"
        b"/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R>>",
        b"<</Length %d>>stream\n" % len(text) + text + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _ready_without_ffprobe(material: Material) -> None:
    """Mark the shipped sample ready with its known facts and poster, as
    processing would have; only a recording still waiting for (or failed by)
    processing is touched."""
    storage = material.file.storage
    poster = storage.save(
        f"{Path(material.file.name).parent}/poster.jpg",
        ContentFile((SAMPLE / "week7-poster.jpg").read_bytes(), name="poster.jpg"),
    )
    Material.objects.filter(pk=material.pk).exclude(state=Material.State.READY).update(
        state=Material.State.READY,
        failure_reason="",
        poster=poster,
        published=True,
        published_at=timezone.now(),
        **SAMPLE_FACTS,
    )


def seed(*, course, admin, staff, learner) -> None:
    lecture = Lecture.objects.filter(course=course, number=7).first()
    if lecture is None or Material.objects.filter(lecture=lecture).exists():
        return
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        files = [
            ("slides", "week7-slides.pdf", _pdf("Week 7: Prompting"), {}),
            (
                "notebook",
                "week7.ipynb",
                json.dumps(NOTEBOOK, indent=1).encode(),
                {
                    "github_url": "https://github.com/koza-lms/demo/blob/main/week7.ipynb"
                },
            ),
            ("captions", "week7-ja.vtt", CAPTIONS.encode(), {"language": "ja"}),
        ]
        shutil.copyfile(SAMPLE / "week7.mp4", folder / "week7.mp4")
        files.insert(0, ("recording", "week7.mp4", None, {}))
        for kind, name, content, extra in files:
            path = folder / name
            if content is not None:
                path.write_bytes(content)
            material = material_create_from_path(
                lecture=lecture,
                kind=kind,
                path=path,
                filename=name,
                user=admin,
                title=name.rsplit(".", 1)[0],
                publish_when_ready=True,
                **extra,
            )
            if kind == "recording" and shutil.which("ffprobe") is None:
                _ready_without_ffprobe(material)
