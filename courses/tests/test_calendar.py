from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from courses import selectors
from courses.models import Enrollment

pytestmark = pytest.mark.django_db


def _feed_url(learner) -> str:
    enrollment = Enrollment.objects.get(user=learner)
    return f"/courses/llm/calendar.ics?token={enrollment.ensure_calendar_token()}"


def test_the_feed_lists_every_lecture_with_stable_uids_in_the_course_time_zone(
    client, learner, course
):
    url = _feed_url(learner)

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 3
    first = next(e for e in events if "lecture 1:" in str(e["SUMMARY"]))
    lecture = course.lectures.get(number=1)
    assert first.decoded("DTSTART") == lecture.starts_at.replace(microsecond=0)
    assert str(first["DTSTART"].params["TZID"]) == "Asia/Tokyo"
    assert first.decoded("DTEND") - first.decoded("DTSTART") == timedelta(hours=2)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    again = Calendar.from_ical(client.get(url).content)
    assert sorted(str(e["UID"]) for e in events) == sorted(
        str(e["UID"]) for e in again.walk("VEVENT")
    )


def test_the_feed_includes_deadlines_from_the_provider_hook(client, learner):
    due = timezone.now().replace(microsecond=0) + timedelta(days=3)

    def provider(*, course, user, start, end):
        return [
            {
                "uid": "survey-1",
                "title": "Survey 1",
                "due_at": due,
                "url": "/courses/llm/lectures/1/survey/",
                "kind": "survey",
                "state": "draft",
            }
        ]

    selectors.register_deadline_provider(provider)
    try:
        calendar = Calendar.from_ical(client.get(_feed_url(learner)).content)
    finally:
        selectors._deadline_providers.remove(provider)

    survey = next(e for e in calendar.walk("VEVENT") if "Survey 1" in e["SUMMARY"])
    assert survey["SUMMARY"] == "Large Language Models: Survey 1"
    assert survey.decoded("DTSTART") == due
    assert str(survey["UID"]).startswith("survey-1@")


def test_a_stale_token_stops_working_after_renewal(client, learner):
    old_url = _feed_url(learner)
    client.force_login(learner)

    client.post("/courses/llm/calendar/renew/")
    new_url = _feed_url(learner)
    client.logout()

    assert new_url != old_url
    assert client.get(old_url).status_code == 404
    assert client.get(new_url).status_code == 200


def test_a_wrong_or_missing_token_reveals_nothing(client, learner):
    _feed_url(learner)

    assert client.get("/courses/llm/calendar.ics?token=guess").status_code == 404
    assert client.get("/courses/llm/calendar.ics").status_code == 404
    assert client.get("/courses/llm/calendar.ics?token=").status_code == 404


def test_a_token_only_opens_its_own_course(client, learner, other_course):
    token = Enrollment.objects.get(user=learner).ensure_calendar_token()

    assert client.get(f"/courses/other/calendar.ics?token={token}").status_code == 404


def test_a_withdrawn_learners_token_stops_working(client, learner):
    url = _feed_url(learner)
    Enrollment.objects.filter(user=learner).update(status="withdrawn")

    assert client.get(url).status_code == 404


def test_the_feed_has_no_personal_data(client, learner):
    body = client.get(_feed_url(learner)).content.decode()

    assert "learner@example.com" not in body
    assert "Hanako" not in body


def test_approved_learners_see_their_calendar_address(client, learner, applicant):
    client.force_login(learner)
    assert "calendar.ics?token=" in client.get("/courses/llm/").text

    client.force_login(applicant)
    assert "calendar.ics?token=" not in client.get("/courses/llm/").text


def _rfc5545_problems(calendar: Calendar) -> list[str]:
    """What RFC 5545 3.6.1 forbids in the feed's events."""
    problems = []
    for event in calendar.walk("VEVENT"):
        name = str(event.get("SUMMARY"))
        for required in ("UID", "DTSTAMP", "DTSTART"):
            if required not in event:
                problems.append(f"{name}: no {required}")
        if "DTEND" in event and "DURATION" in event:
            problems.append(f"{name}: both DTEND and DURATION")
        if "DTEND" in event and event.decoded("DTEND") <= event.decoded("DTSTART"):
            problems.append(f"{name}: DTEND is not after DTSTART")
    return problems


def test_deadlines_are_moments_that_follow_rfc_5545(client, learner, course):
    due = timezone.now().replace(microsecond=0) + timedelta(days=3)

    def provider(*, course, user, start, end):
        return [{"uid": "homework-9", "title": "Homework 2", "due_at": due}]

    selectors.register_deadline_provider(provider)
    try:
        response = client.get(_feed_url(learner))
    finally:
        selectors._deadline_providers.remove(provider)

    calendar = Calendar.from_ical(response.content)
    deadline = next(e for e in calendar.walk("VEVENT") if "Homework 2" in e["SUMMARY"])
    assert deadline.decoded("DTSTART") == due
    assert "DTEND" not in deadline
    assert str(deadline["TRANSP"]) == "TRANSPARENT"
    assert len(calendar.walk("VEVENT")) == 4
    assert _rfc5545_problems(calendar) == []


def test_the_rfc_check_catches_a_deadline_that_ends_where_it_starts():
    calendar = Calendar.from_ical(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\n"
        b"UID:a\r\nDTSTAMP:20261202T000000Z\r\nSUMMARY:due\r\n"
        b"DTSTART:20261203T000000Z\r\nDTEND:20261203T000000Z\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )

    assert _rfc5545_problems(calendar) == ["due: DTEND is not after DTSTART"]


@pytest.mark.parametrize(
    "language, accept, expected",
    [
        ("ja", "en-US,en;q=0.9", "Large Language Models 第1回講義：Lecture 1"),
        ("en", "ja,en;q=0.5", "Large Language Models — lecture 1: Lecture 1"),
        ("", "en-US,en;q=0.9", "Large Language Models 第1回講義：Lecture 1"),
    ],
    ids=["japanese-learner", "english-learner", "no-choice-site-default"],
)
def test_titles_use_the_learners_language_not_the_calendar_apps(
    client, settings, learner, language, accept, expected
):
    settings.LANGUAGE_CODE = "ja"  # the site's default, for a learner who never chose
    learner.language = language
    learner.save(update_fields=["language"])

    response = client.get(_feed_url(learner), headers={"accept-language": accept})

    summaries = [
        str(e["SUMMARY"]) for e in Calendar.from_ical(response.content).walk("VEVENT")
    ]
    assert expected in summaries


def test_the_progress_page_offers_a_subscribe_link_beside_the_address(client, learner):
    client.force_login(learner)

    page = client.get("/courses/llm/progress/").text

    token = Enrollment.objects.get(user=learner).calendar_token
    assert f'value="http://testserver/courses/llm/calendar.ics?token={token}"' in page
    assert f'href="webcal://testserver/courses/llm/calendar.ics?token={token}"' in page
