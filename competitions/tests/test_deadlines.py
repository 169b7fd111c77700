"""The competition's deadlines reach the calendar feed and the learner's pages."""

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from competitions.models import Entry
from competitions.tests.conftest import make_competition
from courses.models import Enrollment

pytestmark = pytest.mark.django_db


def _feed(client, learner) -> Calendar:
    token = Enrollment.objects.get(user=learner).ensure_calendar_token()
    response = client.get(f"/courses/llm/calendar.ics?token={token}")
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def _event(calendar: Calendar, uid_prefix: str):
    return next(
        (e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith(uid_prefix)),
        None,
    )


def test_the_feed_has_the_competitions_closing_and_report_deadlines(
    client, learner, course
):
    now = timezone.now().replace(microsecond=0)
    competition = make_competition(
        course,
        closes_at=now + timedelta(days=7),
        report_required=True,
        report_deadline=now + timedelta(days=10),
    )
    learner.language = "en"
    learner.save(update_fields=["language"])

    calendar = _feed(client, learner)

    closes = _event(calendar, f"competition-{competition.pk}@")
    report = _event(calendar, f"competition-report-{competition.pk}@")
    assert closes.decoded("DTSTART") == competition.closes_at
    assert str(closes["SUMMARY"]) == (
        "Large Language Models: Competition closes: Sentiment"
    )
    assert report.decoded("DTSTART") == competition.report_deadline
    assert str(report["SUMMARY"]) == (
        "Large Language Models: Competition report due: Sentiment"
    )
    assert "DTEND" not in closes and "DTEND" not in report
    assert str(closes["URL"]).endswith("/courses/llm/competition/")


def test_a_competition_without_a_report_has_only_its_closing_time(
    client, learner, course
):
    competition = make_competition(course)

    calendar = _feed(client, learner)

    assert _event(calendar, f"competition-{competition.pk}@") is not None
    assert _event(calendar, "competition-report-") is None


def test_the_progress_page_lists_the_competition_and_whether_i_took_part(
    client, learner, course
):
    competition = make_competition(course)
    client.force_login(learner)
    learner.language = "en"
    learner.save(update_fields=["language"])

    before = client.get("/courses/llm/progress/").text
    Entry.objects.create(
        competition=competition,
        user=learner,
        file="x.csv",
        original_name="x.csv",
        status=Entry.Status.SCORED,
    )
    after = client.get("/courses/llm/progress/").text

    assert "Competition closes: Sentiment" in before
    assert "Not started" in before.split("Competition closes: Sentiment", 1)[1][:300]
    assert "Submitted" in after.split("Competition closes: Sentiment", 1)[1][:300]
