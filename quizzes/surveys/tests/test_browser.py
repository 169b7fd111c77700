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


def test_the_live_preview_renders_code_lists_links_tables_and_math(
    page, live_server, survey, learner
):
    """The summary a learner writes, previewed as they type: after the move
    to markdown-it-py, still code, lists, links, tables and Japanese, math
    typeset (MathML), and nothing the CSP refuses."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    typed = (
        "## 第3回 注意機構\n"
        "自己注意は **クエリ** と *キー* の内積で重みを決める。\n\n"
        "- 位置エンコーディング\n- マルチヘッド注意\n\n"
        "1. 埋め込み\n2. 注意\n\n"
        "損失は $L = -\\sum_i y_i \\log p_i$ で表す。\n\n"
        "| 手法 | 精度 |\n|---|--:|\n| RNN | 0.71 |\n| Transformer | 0.84 |\n\n"
        "```python\nscores = q @ k.T / math.sqrt(d)\n```\n\n"
        "[論文](https://arxiv.org/abs/1706.03762)\n"
    )
    page.goto(live_server.url + survey.get_absolute_url())
    page.locator("textarea[name=summary]").fill(typed)
    page.locator("textarea[name=summary]").press("End")
    preview = page.locator("#summary-preview")
    preview.locator("table").wait_for()
    assert preview.locator("h2").inner_text() == "第3回 注意機構"
    assert preview.locator("ul li").count() == 2
    assert preview.locator("ol li").count() == 2
    assert "math.sqrt(d)" in preview.locator("pre code").inner_text()
    assert preview.locator("td[align=right]").first.inner_text() == "0.71"
    formula = preview.locator(".math math")
    assert "∑" in formula.text_content() and "$" not in preview.inner_text()
    assert formula.bounding_box()["height"] > 0
    link = preview.locator("a[href='https://arxiv.org/abs/1706.03762']")
    assert link.get_attribute("rel") == "noopener noreferrer nofollow"
    page.locator("#draft-status").filter(has_text="Draft saved").wait_for()
    from lms.tests.browser import screenshot

    screenshot(page, "survey-preview-markdown")
    assert violations == []
