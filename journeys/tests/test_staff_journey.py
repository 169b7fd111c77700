"""Staff review applications in bulk (with the live progress bar) and flag a
summary for revision, on a laptop and on a phone."""

import pytest

from accounts.models import User
from conftest import wait_for
from courses.models import Enrollment
from journeys.tests.support import Visitor
from lms.models import Job
from lms.tests.browser import requires_chromium
from quizzes.surveys.models import SurveyResponse

pytestmark = [
    pytest.mark.browser,
    requires_chromium,
    pytest.mark.django_db(transaction=True),
]

NAMES = ["佐藤 一郎", "Alice Martin", "鈴木 花", "Chen Wei", "高橋 学", "Priya Nair"]


@pytest.fixture
def applicants(course):
    users = User.objects.bulk_create(
        User(
            email=f"applicant{i:02d}@example.com",
            display_name=NAMES[i % len(NAMES)],
            affiliation="東京大学" if i % 2 else "Kyoto Institute",
        )
        for i in range(24)
    )
    Enrollment.objects.bulk_create(
        Enrollment(course=course, user=user, status=Enrollment.Status.APPLIED)
        for user in users
    )
    return users


@pytest.mark.parametrize(
    "locale, phone", [("en-US", False), ("ja-JP", True)], ids=["laptop-en", "phone-ja"]
)
def test_staff_bulk_approve_applications_and_flag_a_summary(
    browser,
    live_server,
    course,
    staff,
    learner,
    applicants,
    survey,
    locale,
    phone,
):
    lang = locale[:2]
    device = "phone" if phone else "laptop"
    me = Visitor(browser, live_server, locale=locale, phone=phone, user=staff)
    page = me.page

    me.goto("/staff/llm/")
    me.goto("/staff/llm/applications/?status=applied")
    assert page.locator("input[name=selected]").count() == 24
    me.shot(f"staff-applications-{lang}-{device}")

    # Every matching application at once: one Job, shown as a progress bar.
    page.locator("select[name=decision]").select_option("approved")
    page.locator("button[name=scope][value=filter]").click()
    # Nothing happens before staff read how many people are emailed.
    page.locator(".confirm-count").wait_for()
    assert "24" in page.locator(".confirm-count").inner_text()
    assert not Job.objects.exists()
    me.audit()
    me.shot(f"staff-bulk-confirm-{lang}-{device}")
    page.locator("form:has(input[name=confirmed]) button[type=submit]").click()
    page.wait_for_url("**job=*")
    bar = page.locator(".job progress")
    bar.wait_for()
    page.wait_for_function(
        "() => document.querySelector('.job progress').value == 100", timeout=20_000
    )
    me.audit()
    me.shot(f"staff-bulk-approved-{lang}-{device}")
    assert Job.objects.get().done == 24
    assert not Enrollment.objects.filter(status=Enrollment.Status.APPLIED).exists()

    # A summary that needs another go, with a comment for the learner.
    response = SurveyResponse.objects.create(
        survey=survey,
        user=learner,
        summary="注意機構について学んだ。",
        summary_chars=12,
    )
    me.goto("/staff/llm/surveys/2/summaries/")
    row = page.locator(f"#response-{response.pk}")
    row.locator("textarea[name=comment]").fill("具体例を一つ加えてください。")
    row.locator("button[name=state][value=needs_revision]").click()
    wait_for(
        lambda: SurveyResponse.objects.filter(
            pk=response.pk, review_state=SurveyResponse.Review.NEEDS_REVISION
        ).exists()
    )
    response.refresh_from_db()
    assert response.review_state == SurveyResponse.Review.NEEDS_REVISION
    assert response.review_comment == "具体例を一つ加えてください。"
    me.audit()
    me.shot(f"staff-summaries-{lang}-{device}")

    assert len(me.audited) >= 5
    me.assert_accessible()
    me.close()
