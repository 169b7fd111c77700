"""Withdrawing and asking to rejoin in Chromium on a 390 px phone: the way
out is below the week's work, asks first, and leads back."""

import pytest
from django.conf import settings

from courses.models import Enrollment
from lms.tests.browser import (  # noqa: F401  (the shared Chromium fixture)
    ARTIFACTS,
    browser,
    requires_chromium,
)

pytestmark = [pytest.mark.browser, requires_chromium]


@pytest.mark.django_db(transaction=True)
def test_on_a_phone_withdrawing_asks_first_and_a_withdrawn_learner_can_ask_back(
    live_server, client, course, learner, request
):
    chromium = request.getfixturevalue("browser")  # named apart from the import
    client.force_login(learner)
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, locale="en-US"
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
            {
                "name": settings.LANGUAGE_COOKIE_NAME,
                "value": "en",
                "url": live_server.url,
            },
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/courses/llm/")

    this_week = page.get_by_role("heading", name="This week", exact=True).bounding_box()
    schedule = page.get_by_role("heading", name="Schedule", exact=True).bounding_box()
    withdraw = page.get_by_role("link", name="Withdraw from this course…")
    assert withdraw.bounding_box()["y"] > schedule["y"] > this_week["y"]
    withdraw.click()
    assert "What you lose" in page.content()
    page.get_by_role("link", name="No, stay in the course").click()
    assert page.url.endswith("/courses/llm/")
    page.get_by_role("link", name="Withdraw from this course…").click()
    page.get_by_role("button", name="Yes, withdraw from this course").click()

    assert page.get_by_text("You withdrew from this course on").is_visible()
    page.get_by_role("link", name="Ask to rejoin").click()
    page.get_by_label("Why do you want to rejoin? (optional)").fill("Back soon.")
    page.get_by_role("button", name="Send the request").click()
    assert page.get_by_text("You asked to rejoin on").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "withdraw-rejoin-phone.png"), full_page=True)
    context.close()
    enrollment = Enrollment.objects.get(user=learner, course=course)
    assert enrollment.status == Enrollment.Status.REJOIN
    assert enrollment.rejoin_note == "Back soon."
