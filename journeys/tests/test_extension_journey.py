"""Staff give a learner more time for a homework that closed; the learner
sees the new deadline and submits after the normal due time, on time. On a
laptop in English with JavaScript, and on a phone in Japanese without it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import Extension
from journeys.tests.support import Visitor
from lms.tests.browser import requires_chromium
from quizzes.homework.models import Submission
from quizzes.homework.tests.factories import make_homework

pytestmark = [
    pytest.mark.browser,
    requires_chromium,
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize(
    "locale, phone, javascript",
    [("en-US", False, True), ("ja-JP", True, False)],
    ids=["laptop-en", "phone-ja-nojs"],
)
def test_staff_grant_an_extension_and_the_learner_submits_after_the_deadline(
    browser, live_server, course, staff, learner, locale, phone, javascript
):
    lang, device = locale[:2], "phone" if phone else "laptop"
    now = timezone.now()
    homework = make_homework(
        course.lectures.get(number=1),
        opens_at=now - timedelta(days=7),
        due_at=now - timedelta(hours=2),
    )
    lecture_pk = homework.lecture.pk
    hw_path = f"/courses/llm/lectures/{homework.lecture.number}/homework/"

    # Before: the homework is closed for the learner.
    me = Visitor(browser, live_server, locale=locale, phone=phone,
                 javascript=javascript, user=learner, name="learner")  # fmt: skip
    me.goto(hw_path)
    assert me.page.locator("form.homework-form").count() == 0

    # Staff grant two more days, review, confirm.
    boss = Visitor(browser, live_server, locale=locale, phone=phone,
                   javascript=javascript, user=staff, name="staff")  # fmt: skip
    boss.goto("/staff/llm/extensions/")
    page = boss.page
    page.fill("input[name=email]", learner.email)
    page.select_option("select[name=scope]", "homework")
    page.select_option("select[name=lecture]", str(lecture_pk))
    page.fill("input[name=days]", "2")
    page.fill("textarea[name=reason]", "入院のため (doctor's note)")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_selector("button[name=confirm]")
    boss.audit()
    boss.shot(f"staff-extension-confirm-{lang}-{device}")
    assert not Extension.objects.exists()
    page.locator("button[name=confirm]").click()
    page.wait_for_selector("table.extensions tbody tr td >> text=" + learner.email)
    boss.audit()
    boss.shot(f"staff-extensions-{lang}-{device}")
    extension = Extension.objects.get()
    assert extension.user == learner and extension.granted_by == staff

    # The learner sees the new deadline and submits, on time.
    me.goto(hw_path)
    extended = (homework.due_at + timedelta(days=2)).astimezone(course.tzinfo)
    body = me.page.locator("main").inner_text()
    assert extended.strftime("%Y-%m-%d %H:%M") in body
    assert "入院" not in body  # the reason is staff's only
    for question in homework.questions.all():
        choice = question.choices.order_by("position").first()
        me.page.locator(f"input[name=q-{question.pk}][value='{choice.pk}']").check()
    me.page.locator("form.homework-form button[type=submit]").click()
    me.page.wait_for_selector("text=" + extended.strftime("%Y-%m-%d %H:%M"))
    me.shot(f"learner-extended-submitted-{lang}-{device}")
    submission = Submission.objects.get(user=learner)
    assert submission.is_late is False
    # "This week" on the course page lists the homework at the extended time.
    me.goto("/courses/llm/")
    item = me.page.locator(f"li:has(a[href='{hw_path}'])").first
    assert extended.strftime("%Y-%m-%d") in item.inner_text()
    assert extended.strftime("%H:%M") in item.inner_text()
    me.assert_accessible()
    boss.assert_accessible()
    me.close()
    boss.close()
