"""A learner finds a reminder in the bell, opens it and sets their email
choices: on a phone with JavaScript off, and on a laptop with the audit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.reminders import reminders_send_due
from journeys.tests.support import Visitor
from lms.tests.browser import requires_chromium
from notifications.models import Channel, EmailPreference, Kind, Notification
from quizzes.homework.tests.factories import make_homework

pytestmark = [
    pytest.mark.browser,
    requires_chromium,
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize("phone", [True, False], ids=["phone-no-js", "laptop"])
def test_a_learner_opens_a_reminder_from_the_bell_and_chooses_emails(
    browser, live_server, course, learner, phone
):
    homework = make_homework(
        course.lectures.get(number=2), due_at=timezone.now() + timedelta(hours=5)
    )
    reminders_send_due()
    me = Visitor(browser, live_server, user=learner, phone=phone, javascript=not phone)
    page = me.page
    me.goto("/")
    bell = page.locator("a.bell")
    assert "1 unread" in bell.inner_text()
    bell.click()
    page.wait_for_url("**/notifications/")
    assert "Homework: lecture 2 is due" in page.locator("main").inner_text()
    me.audit()
    page.get_by_role("button", name="Open").click()
    page.wait_for_url(f"**{homework.get_absolute_url()}")
    assert Notification.objects.get(kind=Kind.DEADLINE_REMINDER).read_at is not None
    me.goto("/notifications/")
    assert page.locator(".bell-count").count() == 0

    me.goto("/accounts/notifications/")
    page.locator(f"input[name={Kind.DEADLINE_REMINDER}][value=digest]").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/accounts/notifications/")
    assert "saved" in page.locator("main").inner_text()
    assert (
        EmailPreference.objects.get(user=learner, kind=Kind.DEADLINE_REMINDER).channel
        == Channel.DIGEST
    )
    if phone:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "the page scrolls sideways on a phone"
    me.assert_accessible()
    me.close()
