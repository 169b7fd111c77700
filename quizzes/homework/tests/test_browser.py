"""The homework page in a real browser: htmx saves each click as a draft."""

import os
import shutil

import pytest
from django.conf import settings
from django.urls import reverse

from quizzes.homework.models import DraftAnswer, Submission
from quizzes.homework.tests.factories import make_homework

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM, reason="needs Debian's chromium")
@pytest.mark.django_db(transaction=True)
def test_a_click_is_saved_as_a_draft_and_submit_hands_it_in(
    live_server, client, learner, course, monkeypatch
):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setitem(os.environ, "DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    homework = make_homework(course.lectures.get(number=1), shuffle=False)
    client.force_login(learner)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    url = live_server.url + reverse("homework_take", args=["llm", 1])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(locale="en-US")
        session = {"name": settings.SESSION_COOKIE_NAME, "value": cookie}
        context.add_cookies([session | {"url": live_server.url}])
        page = context.new_page()
        page.goto(url)
        page.get_by_text("Choice 1.2").click()
        expect(page.locator("#draft-status")).to_contain_text("Saved")
        assert DraftAnswer.objects.filter(user=learner).count() == 1
        page.reload()
        expect(page.locator("input[type=radio]:checked")).to_have_count(1)
        for number in range(2, 6):
            page.get_by_text(f"Choice {number}.1", exact=True).click()
        page.get_by_role("button", name="Submit").click()
        expect(page.locator(".messages")).to_contain_text("submitted")
        browser.close()
    assert Submission.objects.get(user=learner, homework=homework).answers.count() == 5


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM, reason="needs Debian's chromium")
@pytest.mark.django_db(transaction=True)
def test_tex_in_a_question_shows_as_a_formula_on_a_phone_without_javascript(
    live_server, client, learner, course, monkeypatch
):
    """`$\\sqrt{d_k}$` was shown as typed; it is MathML now, drawn by the
    browser itself: no script (JavaScript is off here), nothing the CSP
    refuses, and a display formula does not widen a 390 px page."""
    from lms.tests.browser import screenshot

    monkeypatch.setitem(os.environ, "DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    homework = make_homework(course.lectures.get(number=1), shuffle=False)
    question = homework.questions.first()
    question.text = (
        "Attention is $\\mathrm{softmax}\\left(\\frac{QK^\\top}{\\sqrt{d_k}}\\right)V$."
        " Why divide by $\\sqrt{d_k}$?\n\n"
        "$$\n\\operatorname{Var}(q \\cdot k) = \\sum_{i=1}^{d_k} "
        "\\operatorname{Var}(q_i k_i) = d_k + d_k + d_k + d_k + d_k + d_k\n$$"
    )
    question.save()
    client.force_login(learner)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    url = live_server.url + reverse("homework_take", args=["llm", 1])
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox"]
        )
        context = browser.new_context(
            locale="en-US",
            java_script_enabled=False,
            viewport={"width": 390, "height": 844},
        )
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
        refused = []
        page.on(
            "console",
            lambda m: refused.append(m.text) if "Content Security" in m.text else None,
        )
        page.goto(url)
        formulas = page.locator("math")
        assert formulas.count() == 3
        root = formulas.first.locator("msqrt")
        box, text_box = root.bounding_box(), formulas.first.bounding_box()
        assert box["height"] > 0 and box["width"] < text_box["width"]
        assert "\\sqrt" not in page.locator("main").inner_text()
        screenshot(page, "homework-math-phone")
        # The wide display formula scrolls inside its box; the page does not.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        block = page.locator("div.math.block")
        assert block.evaluate("e => e.scrollWidth > e.clientWidth")
        browser.close()
    assert refused == []
