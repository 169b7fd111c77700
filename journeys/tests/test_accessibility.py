"""The axe-core audit the journeys run can fail, and the keyboard alone
is enough to hand in homework."""

import pytest

from journeys.tests.support import Visitor
from lms.tests.browser import requires_chromium
from quizzes.homework.models import Submission
from quizzes.homework.tests.factories import make_homework

pytestmark = [
    pytest.mark.browser,
    requires_chromium,
    pytest.mark.django_db(transaction=True),
]


def test_the_audit_reports_a_serious_violation(browser, live_server):
    me = Visitor(browser, live_server)
    me.page.set_content(
        '<html lang="en"><title>t</title><main><img src="x.png">'
        '<a href="/"></a></main></html>'
    )
    me.audit()
    found = {v["id"] for v in me.violations.get(me.page.url, [])}
    assert {"image-alt", "link-name"} <= found
    with pytest.raises(AssertionError, match="image-alt"):
        me.assert_accessible()
    me.close()


def test_a_learner_hands_in_homework_with_the_keyboard_alone(
    browser, live_server, course, learner
):
    homework = make_homework(course.lectures.get(number=2), shuffle=False)
    me = Visitor(browser, live_server, user=learner)
    page = me.page
    me.goto("/courses/llm/lectures/2/homework/")

    first_radio = page.locator(".homework-form input[type=radio]").first
    for _ in range(60):
        page.keyboard.press("Tab")
        if first_radio.evaluate("e => e === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the first homework choice")
    # Space picks the focused choice; the arrow keys move within a question,
    # Tab on to the next question.
    page.keyboard.press("Space")
    for _ in range(4):
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
    assert page.locator(".homework-form input[type=radio]:checked").count() == 5
    # The focus ring is visible where the keyboard is.
    outline = page.evaluate(
        "() => getComputedStyle(document.activeElement).outlineStyle"
    )
    assert outline != "none"
    page.keyboard.press("Enter")
    page.locator(".messages").wait_for()

    submission = Submission.objects.get(user=learner, homework=homework)
    assert submission.answers.count() == 5
    me.assert_accessible()
    me.close()
