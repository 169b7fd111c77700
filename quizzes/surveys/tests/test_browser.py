"""The survey page in a real browser: the live counter and the autosave."""

import shutil

import pytest
from django.conf import settings
from django.test import Client

from quizzes.surveys.models import SurveyDraft, count_summary_chars

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's Chromium"),
]


@pytest.fixture
def page(live_server, learner, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test reads
    # the database between browser steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    client = Client()
    client.force_login(learner)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(locale="en-US")
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session,
                    "url": live_server.url,
                }
            ]
        )
        yield context.new_page()
        browser.close()


def test_the_counter_follows_typing_and_the_draft_survives_a_reload(
    page, live_server, survey, learner
):
    typed = "# 要約\n注意機構を**学んだ**😀"
    assert count_summary_chars(typed) == 18  # the emoji is one character
    page.goto(live_server.url + survey.get_absolute_url())
    page.locator("textarea[name=summary]").press_sequentially(typed)
    assert page.locator(".char-counter .count").inner_text() == "18"
    assert "too-short" in page.locator(".char-counter").get_attribute("class")

    page.locator("#draft-status").filter(has_text="Draft saved").wait_for()
    assert SurveyDraft.objects.get(user=learner).summary == typed
    assert page.locator("#summary-preview strong").inner_text() == "学んだ"

    page.reload()
    assert page.locator("textarea[name=summary]").input_value() == typed
    assert page.locator(".char-counter .count").inner_text() == "18"
