"""Reviewing summaries from the keyboard, as the page documents: `a`
accepts and moves on, `r` opens the comment and Ctrl+Enter sends it back,
`j`/`k` move, `x` selects for bulk accept. The learner then reads "Needs
revision" on their course page."""

import pytest

from accounts.models import User
from courses.models import Enrollment
from journeys.tests.support import Visitor
from lms.tests.browser import requires_chromium
from quizzes.surveys.models import SurveyResponse

pytestmark = [
    pytest.mark.browser,
    requires_chromium,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def summaries(course, survey, learner):
    others = User.objects.bulk_create(
        User(email=f"reader{i}@example.com", display_name=f"Reader {i}")
        for i in range(3)
    )
    Enrollment.objects.bulk_create(
        Enrollment(course=course, user=user, status=Enrollment.Status.APPROVED)
        for user in others
    )
    text = "注意機構と位置埋め込みについて学びました。具体例も理解できました。"
    return [
        SurveyResponse.objects.create(
            survey=survey, user=user, summary=text, summary_chars=len(text)
        )
        for user in [others[0], learner, *others[1:]]
    ]


def _state(response) -> str:
    response.refresh_from_db()
    return response.review_state


def test_staff_review_a_queue_from_the_keyboard(
    browser, live_server, staff, learner, summaries
):
    first, second, third, fourth = summaries
    me = Visitor(browser, live_server, user=staff, name="staff")
    page = me.page
    me.goto("/staff/llm/surveys/2/summaries/")
    assert "Keyboard shortcuts" in page.locator(".shortcuts").inner_text()

    # `a` on the first row (current when the page opens) accepts it and the
    # next row becomes current.
    page.locator("body").press("a")
    me.until(lambda: _state(first) == "accepted")
    page.locator(f"#response-{second.pk}.current").wait_for()

    # `r` goes to the comment; Ctrl+Enter sends the summary back with it.
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.name") == "comment"
    page.keyboard.type("Say what attention computes.")
    page.keyboard.press("Control+Enter")
    me.until(lambda: _state(second) == "needs_revision")
    second.refresh_from_db()
    assert second.review_comment == "Say what attention computes."
    page.locator(f"#response-{third.pk}.current").wait_for()

    # Typing in a comment box is not a shortcut: `a` there is just a letter.
    page.locator(f"#response-{third.pk} textarea").type("a")
    assert _state(third) == "pending"
    page.keyboard.press("Escape")

    # `x` selects, `j` moves on, `x` again; the bulk accept asks first.
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.locator(f"#response-{fourth.pk}.current").wait_for()
    page.keyboard.press("x")
    page.keyboard.press("k")
    page.locator(f"#response-{third.pk}.current").wait_for()
    page.get_by_role("button", name="Accept the selected").click()
    page.locator(".confirm-count").filter(has_text="2 summaries").wait_for()
    assert _state(third) == "pending"
    page.get_by_role("button", name="Accept 2 summaries").click()
    page.wait_for_load_state()
    me.until(lambda: _state(third) == "accepted" and _state(fourth) == "accepted")
    me.audit()
    me.assert_accessible()
    me.close()

    # The learner whose summary was sent back sees it on their course page.
    reader = Visitor(browser, live_server, user=learner, name="learner")
    reader.goto("/courses/llm/")
    badge = reader.page.locator(".badge.state-needs_revision")
    assert badge.first.inner_text() == "Needs revision"
    reader.close()
