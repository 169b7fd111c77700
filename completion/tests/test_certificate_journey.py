"""The certificate in a real browser, in Japanese and English, on a laptop
and a 390 px phone: the learner confirms the name to print, staff certify,
the learner downloads the PDF and the signed credential, and anyone verifies
it on the public page."""

import json

import pytest
from django.urls import reverse

from completion.models import Certificate, CompletionRecord
from completion.services import certificates_issue, completion_override
from journeys.tests.support import Visitor
from lms.tests.browser import requires_chromium

pytestmark = [
    pytest.mark.browser,
    requires_chromium,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _live_server_settings(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_a_learner_confirms_their_name_and_gets_a_verifiable_certificate(
    browser, live_server, course, tiers, learner, staff, phone
):
    suffix = "-phone" if phone else ""
    enrollment = learner.enrollments.get(course=course)
    record = CompletionRecord.objects.create(enrollment=enrollment, course=course)
    completion_override(
        record=record, outcome="complete", tier=tiers[0], reason="test", by=staff
    )

    me = Visitor(
        browser, live_server, user=learner, phone=phone, locale="ja-JP", name="learner"
    )
    me.goto(reverse("progress", args=[course.slug]))
    page = me.page
    page.get_by_role("textbox", name="修了証に印字する氏名").fill("山田 花子")
    page.get_by_role("textbox", name="ローマ字表記（任意）").fill("Hanako Yamada")
    me.shot("certificate-name-ja" + suffix)
    page.get_by_role("button", name="この氏名で確定する").click()
    page.wait_for_load_state()
    assert "確定済み" in page.content()
    me.audit()

    certificates_issue(course=course)  # staff record the certification run
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert certificate.holder_name == "山田 花子"
    me.goto(reverse("progress", args=[course.slug]))
    me.shot("certificate-progress-ja" + suffix)
    pdf_link = page.get_by_role("link", name="修了証をダウンロード（PDF）")
    pdf = page.request.get(me.base + pdf_link.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    credential = page.get_by_role(
        "link", name="デジタル修了証（Open Badges 3.0）をダウンロード"
    )
    envelope = json.loads(
        page.request.get(me.base + credential.get_attribute("href")).text()
    )
    assert envelope["id"].startswith("data:application/vc+jwt,")
    linkedin = page.get_by_role("link", name="LinkedIn のプロフィールに追加")
    assert "certId=" + certificate.serial in linkedin.get_attribute("href")
    me.assert_accessible()
    me.close()

    for locale, valid, name in [
        ("ja-JP", "有効な修了証", "山田 花子"),
        ("en-US", "Valid certificate", "Hanako Yamada"),
    ]:
        anyone = Visitor(browser, live_server, phone=phone, locale=locale)
        anyone.goto(certificate.get_absolute_url())
        content = anyone.page.content()
        assert valid in content and name in content
        assert learner.email not in content
        anyone.shot(f"certificate-verify-{locale[:2]}{suffix}")
        anyone.assert_accessible()
        anyone.close()


def test_an_unknown_code_answers_clearly_in_the_browser(browser, live_server, db):
    anyone = Visitor(browser, live_server, locale="ja-JP")
    response = anyone.page.goto(anyone.base + "/certificates/no-such-code/")

    assert response.status == 404
    assert "該当する修了証はありません" in anyone.page.content()
    anyone.audit()
    anyone.shot("certificate-unknown-ja")
    anyone.assert_accessible()
    anyone.close()
