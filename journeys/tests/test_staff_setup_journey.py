"""A course admin who is not a superuser sets up an empty course in Koza
itself: settings, homework defaults, a 15-week schedule (with a holiday
shift), then writes, previews and publishes a homework, never opening
/admin/. On a laptop in English and on a phone in Japanese."""

from datetime import time, timedelta

import pytest

from courses.models import Course, CourseRole
from journeys.tests.support import Visitor
from lms.tests.browser import requires_chromium
from quizzes.homework.models import Homework

pytestmark = [
    pytest.mark.browser,
    requires_chromium,
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize(
    "locale, phone", [("en-US", False), ("ja-JP", True)], ids=["laptop-en", "phone-ja"]
)
def test_a_course_admin_sets_up_schedules_and_authors_without_the_admin(
    browser, live_server, user_factory, locale, phone
):
    course = Course.objects.create(slug="spring", title="Draft course")
    instructor = user_factory(display_name="Instructor", email="teach@example.com")
    CourseRole.objects.create(course=course, user=instructor, role="admin")
    assert not instructor.is_superuser and not instructor.is_staff
    me = Visitor(
        browser, live_server, locale=locale, phone=phone, user=instructor, name=locale
    )
    page = me.page
    visited = []
    page.on("request", lambda request: visited.append(request.url))

    # Staff land on their course's staff area.
    me.goto("/")
    assert page.url.endswith("/staff/spring/")

    # Course set-up.
    page.click('.staff-nav a[href="/staff/spring/setup/"]')
    page.fill("#id_title", "Large Language Models 2027")
    page.fill("#id_term", "2027 Spring")
    page.select_option("#id_state", "open")
    page.select_option("#id_timezone", "Asia/Tokyo")
    page.fill("#id_capacity", "4000")
    page.fill("#id_description", "Learn **LLMs** with $x^2$.")
    page.fill("#id_questions-0-text", "Do you have a GPU?")
    page.select_option("#id_questions-0-kind", "choice")
    page.fill("#id_questions-0-choices", "Yes\nNo")
    page.click("main form:not([action]) button[type=submit]")
    me.audit()
    course.refresh_from_db()
    assert course.title == "Large Language Models 2027"
    assert course.application_questions.get().choice_list == ["Yes", "No"]

    # Homework defaults: due six days after each lecture at 23:59.
    page.click('a[href="/staff/spring/setup/homework/"]')
    me.audit()
    page.fill("#id_due_days", "6")
    page.fill("#id_due_time", "23:59")
    page.click("main form button[type=submit]")
    assert page.url.endswith("/staff/spring/setup/")

    # The schedule: 15 Thursday lectures at 19:00, then a holiday from week 5.
    page.click('.staff-nav a[href="/staff/spring/lectures/"]')
    me.audit()
    page.fill("#id_first_date", "2027-04-05")
    page.select_option("#id_weekday", "3")
    page.fill("#id_at", "19:00")
    page.fill("#id_count", "15")
    page.click('form[action="/staff/spring/lectures/generate/"] button')
    assert course.lectures.count() == 15
    me.audit()
    week5 = course.lectures.get(number=5).starts_at
    page.fill("#id_from_number", "5")
    page.fill("#id_days", "7")
    page.click('form[action="/staff/spring/lectures/shift/"] button')
    confirmation = page.locator(".notice").inner_text()
    assert "11" in confirmation and "22" in confirmation  # lectures, deadlines
    me.audit()
    page.click('form[action="/staff/spring/lectures/shift/"] button.button')
    assert course.lectures.get(number=5).starts_at - week5 == timedelta(days=7)
    page.click('form[action="/staff/spring/lectures/1/publish/"] button')
    assert course.lectures.get(number=1).published

    # Homework 1: write the 5 × 4 questions, watch the preview, publish.
    page.click('a[href="/staff/spring/homework/1/edit/"]')
    me.audit()
    for q in range(1, 6):
        page.fill(f"#id_q{q}-text", f"What is **bold** in question {q}?")
        for c in range(1, 5):
            page.fill(f"#id_q{q}-c{c}-text", f"Answer {q}.{c}")
        page.check(f"#id_q{q}-correct_{q % 4}")
    me.until(lambda: page.locator("#preview strong").count() >= 5)
    page.click('button[name="action"][value="questions"]')
    me.audit()
    page.click('button[name="action"][value="publish"]')
    homework = Homework.objects.get(lecture__course=course, lecture__number=1)
    assert homework.published
    assert homework.questions.count() == 5
    local_due = homework.due_at.astimezone(course.tzinfo)
    assert local_due.time() == time(23, 59)
    me.shot(f"staff-homework-edit-{'phone-ja' if phone else 'laptop-en'}")

    # The course page shows this admin no apply button.
    course.state = Course.State.OPEN
    course.save()
    me.goto("/courses/spring/")
    assert page.locator('a[href="/courses/spring/apply/"]').count() == 0

    assert not [url for url in visited if "/admin/" in url]
    me.assert_accessible()
    me.close()
