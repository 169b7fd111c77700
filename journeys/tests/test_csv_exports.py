"""Every CSV Koza offers opens in spreadsheet software with Japanese intact:
UTF-8 with a byte-order mark."""

import pytest
from django.urls import get_resolver

from competitions.tests.conftest import make_competition
from quizzes.homework.tests.factories import make_homework

pytestmark = pytest.mark.django_db

CHECKED = {
    "homework_scores_csv",
    "staff_survey_responses_csv",
    "staff_survey_aggregates_csv",
    "staff_competition_entries_csv",
    "staff_completion_csv",
    "staff_applications_csv",
}


def csv_url_names(resolver=None, names=None) -> set[str]:
    names = set() if names is None else names
    for pattern in (resolver or get_resolver()).url_patterns:
        if hasattr(pattern, "url_patterns"):
            csv_url_names(pattern, names)
        elif ".csv" in str(pattern.pattern) and pattern.name:
            names.add(pattern.name)
    return names


def test_every_csv_view_is_checked_here():
    assert csv_url_names() <= CHECKED, "add the new CSV view to CHECKED and below"


def test_every_csv_export_starts_with_a_byte_order_mark(
    client,
    course,
    staff,
    learner,
    survey,
):
    make_homework(course.lectures.get(number=2))
    make_competition(course)
    client.force_login(staff)
    urls = [
        "/staff/llm/homework/2/scores.csv",
        "/staff/llm/surveys/2/responses.csv",
        "/staff/llm/surveys/2/aggregates.csv",
        "/staff/llm/competition/entries.csv",
        "/staff/llm/completion.csv",
        "/staff/llm/applications.csv",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response) if response.streaming else response.content
        assert body.startswith(b"\xef\xbb\xbf"), f"{url} has no BOM"
        assert "utf-8" in response["Content-Type"], url
