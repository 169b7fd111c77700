"""The learner's week around the homework: the lecture page links only what
exists, the page says when results are revealed, and a refused submit keeps
every answer given."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from lms.tests.browser import ARTIFACTS, browser, requires_chromium  # noqa: F401
from quizzes.homework.models import DraftAnswer, Submission
from quizzes.homework.tests.factories import (  # noqa: F401  (fixtures)
    answers_for,
    english,
    make_homework,
    post_data,
)
from quizzes.surveys.models import Survey

TOKYO = ZoneInfo("Asia/Tokyo")


# Lecture page links --------------------------------------------------------


def test_a_lecture_without_homework_or_survey_links_neither(client, course, learner):
    client.force_login(learner)

    page = client.get("/courses/llm/lectures/3/").content.decode()

    assert "/lectures/3/homework/" not in page
    assert "/lectures/3/survey/" not in page
    assert "This week&#x27;s tasks" not in page and "This week's tasks" not in page


def test_a_learner_is_linked_only_to_published_homework_and_surveys(
    client, course, learner
):
    lecture = course.lectures.get(number=1)
    make_homework(lecture)
    Survey.objects.create(
        lecture=lecture,
        opens_at=timezone.now(),
        due_at=timezone.now() + timedelta(days=3),
        published=False,
    )
    client.force_login(learner)

    page = client.get("/courses/llm/lectures/1/").content.decode()

    assert 'href="/courses/llm/lectures/1/homework/"' in page
    assert "/lectures/1/survey/" not in page
    assert client.get("/courses/llm/lectures/1/homework/").status_code == 200


def test_staff_are_linked_to_unpublished_items_they_can_try(client, course, staff):
    make_homework(course.lectures.get(number=2), publish=False)
    client.force_login(staff)

    page = client.get("/courses/llm/lectures/2/").content.decode()

    assert 'href="/courses/llm/lectures/2/homework/"' in page
    assert client.get("/courses/llm/lectures/2/homework/").status_code == 200


# When results are revealed -------------------------------------------------


def test_the_homework_page_says_when_results_are_revealed_before_and_after_submitting(
    client, course, learner
):
    course.timezone = "Asia/Tokyo"
    course.save()
    reveal = datetime(2099, 1, 15, 20, 0, tzinfo=TOKYO)
    homework = make_homework(
        course.lectures.get(number=1),
        due_at=timezone.now() + timedelta(days=3),
        reveal_at=reveal,
    )
    client.force_login(learner)
    expected = "shown here from 2099-01-15 (Thu) 20:00 (Asia/Tokyo)"

    before = client.get("/courses/llm/lectures/1/homework/").content.decode()
    after = client.post(
        "/courses/llm/lectures/1/homework/",
        post_data(answers_for(homework, correct=3)),
        follow=True,
    ).content.decode()

    assert expected in before
    assert "Your answers are submitted." in after
    assert expected in after


def test_by_default_results_are_revealed_when_late_submission_closes(
    client, course, learner
):
    due = timezone.now() + timedelta(days=2)
    homework = make_homework(course.lectures.get(number=1), due_at=due, late_days=3)
    client.force_login(learner)

    page = client.get("/courses/llm/lectures/1/homework/").content.decode()

    shown = timezone.localtime(homework.closes_at, course.tzinfo)
    assert shown == timezone.localtime(homework.reveals_at, course.tzinfo)
    assert shown.strftime("%Y-%m-%d") in page.split("shown here from")[1][:40]


# A refused submit keeps the answers ----------------------------------------


def test_an_incomplete_submit_keeps_the_given_answers_and_marks_the_missing_ones(
    client, course, learner
):
    homework = make_homework(course.lectures.get(number=1), shuffle=False)
    given = dict(list(answers_for(homework, correct=5).items())[:3])
    client.force_login(learner)

    response = client.post(
        "/courses/llm/lectures/1/homework/", post_data(given), HTTP_ACCEPT_LANGUAGE="en"
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "missing: 4, 5" in page
    for choice_id in given.values():
        assert f'value="{choice_id}" checked' in page
    assert page.count("Choose an answer to this question.") == 2
    assert not Submission.objects.filter(user=learner).exists()
    assert DraftAnswer.objects.filter(user=learner).count() == 3


@pytest.mark.browser
@requires_chromium
@pytest.mark.django_db(transaction=True)
def test_without_javascript_an_incomplete_submit_keeps_every_answer_checked(
    live_server, client, course, learner, request
):
    chromium = request.getfixturevalue("browser")
    homework = make_homework(course.lectures.get(number=1), shuffle=False)
    client.force_login(learner)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = chromium.new_context(java_script_enabled=False, locale="en-US")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": cookie,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/courses/llm/lectures/1/homework/")
    for number in (1, 2, 4):
        page.get_by_text(f"Choice {number}.2", exact=True).click()

    page.get_by_role("button", name="Submit").click()

    assert "missing: 3, 5" in page.locator(".errors").inner_text()
    checked = page.locator("input[type=radio]:checked")
    assert checked.count() == 3
    for number in (1, 2, 4):
        assert page.get_by_label(f"Choice {number}.2", exact=True).is_checked()
    missing = page.locator("fieldset.missing")
    assert missing.count() == 2
    assert "Choose an answer" in missing.first.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "homework-no-js-incomplete.png"))
    context.close()
    assert not Submission.objects.filter(user=learner, homework=homework).exists()
