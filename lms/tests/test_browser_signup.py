import re

import pytest
from django.core import mail

from lms.tests.browser import browser, requires_chromium, screenshot  # noqa: F401

pytestmark = [pytest.mark.browser, requires_chromium]


def test_a_visitor_signs_up_confirms_logs_in_and_switches_to_english(
    browser,  # noqa: F811
    live_server,
    course,
):
    context = browser.new_context(locale="ja-JP")
    context.set_default_timeout(10_000)
    page = context.new_page()

    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("メールアドレス").fill("hanako@example.com")
    page.locator("#id_password1").fill("a-long-Passphrase-7")
    page.get_by_label("パスワード (再入力)").fill("a-long-Passphrase-7")
    page.get_by_label("表示名").fill("山田 花子")
    page.get_by_label("所属").fill("東京大学")
    page.get_by_role("button", name="ユーザー登録").click()
    page.wait_for_url("**/accounts/confirm-email/")

    link = re.search(r"http://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body)[0]
    page.goto(link.replace("http://testserver", live_server.url))
    page.get_by_role("button", name="確認").click()
    page.wait_for_url(f"{live_server.url}/")

    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="ログアウト").click()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("メールアドレス").fill("hanako@example.com")
    page.get_by_label("パスワード").fill("a-long-Passphrase-7")
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{live_server.url}/")

    assert page.get_by_role("heading", name="マイ講座").is_visible()
    assert page.locator("html").get_attribute("lang") == "ja"
    screenshot(page, "home-ja")

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", name="My courses").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "home-en")
    context.close()
