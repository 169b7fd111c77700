import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from competitions import services
from competitions.models import Competition


@pytest.fixture(autouse=True)
def _private_files_and_english(settings, tmp_path):
    """Files under a temporary private root; messages asserted in English."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.LANGUAGE_CODE = "en"
    # Rolled-back tests reuse ids, which the answer-key fingerprint relies on.
    services._answer_keys.clear()
    with translation.override("en"):
        yield


def leaderboard_html(response) -> str:
    body = response.content.decode()
    start = body.index('<table class="table leaderboard">')
    return body[start : body.index("</table>", start)]


def make_competition(course, **extra) -> Competition:
    now = timezone.now()
    fields = {
        "title": "Sentiment",
        "description": "Predict the **label**.",
        "opens_at": now - timedelta(days=1),
        "closes_at": now + timedelta(days=7),
        "metric": Competition.Metric.ACCURACY,
        "daily_limit": 3,
    }
    return Competition.objects.create(course=course, **(fields | extra))


# Ten rows: a0..a4 public, a5..a9 private.
ANSWERS = [(f"a{i}", "pos" if i % 2 else "neg", i >= 5) for i in range(10)]


def load_answers(competition, rows=ANSWERS) -> None:
    text = "id,answer,split\n" + "".join(
        f"{row_id},{answer},{'private' if private else 'public'}\n"
        for row_id, answer, private in rows
    )
    services.answers_import(competition=competition, handle=io.StringIO(text))


@pytest.fixture
def competition(course):
    competition = make_competition(course)
    load_answers(competition)
    return competition


def csv_upload(rows, *, header="id,prediction", name="submission.csv"):
    text = header + "\n" + "".join(f"{a},{b}\n" for a, b in rows)
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def perfect_rows():
    return [(row_id, answer) for row_id, answer, _private in ANSWERS]


def half_public_rows():
    """Public part: 3 of 5 right (0.6). Private part: all right (1.0)."""
    flip = {"a0": "pos", "a1": "neg"}
    return [(row_id, flip.get(row_id, answer)) for row_id, answer, _p in ANSWERS]
