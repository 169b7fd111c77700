"""The end of the course in a real browser: an admin sets the completion
rules on the rules page (seeing the tier's count live) and runs
certification (dry run, then record, confirmed) while
the progress bar fills; staff filter the at-risk learners, export the CSV and
override one outcome with a reason; the learner sees the decision, downloads
the certificate, and anyone can verify it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from completion.models import Certificate, CompletionOverride, CompletionTier
from completion.totals import dashboard_totals_refresh
from courses.models import Enrollment
from journeys.tests.support import Visitor
from lms.tests.browser import requires_chromium
from quizzes.homework.models import Submission
from quizzes.homework.services import homework_grade_all
from quizzes.homework.tests.factories import make_homework
from quizzes.surveys.models import SurveyResponse

pytestmark = [
    pytest.mark.browser,
    requires_chromium,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def finished_week(course, learner, survey, user_factory):
    """Lectures 1 and 2 had homework, both graded; the learner passed both
    and answered the survey. A second learner did nothing and is at risk."""
    for number in (1, 2):
        homework = make_homework(
            course.lectures.get(number=number),
            shuffle=False,
            opens_at=timezone.now() - timedelta(days=10),
            due_at=timezone.now() - timedelta(days=4 - number),
        )
        submission = Submission.objects.create(
            homework=homework,
            user=learner,
            submitted_at=timezone.now() - timedelta(days=5),
        )
        for question in homework.questions.all():
            correct = question.choices.get(is_correct=True)
            submission.answers.create(question=question, choice=correct)
        homework_grade_all(homework_id=homework.pk)
    SurveyResponse.objects.create(
        survey=survey, user=learner, summary="注意機構を学びました。" * 5
    )
    idle = user_factory(email="idle@example.com", display_name="Idle Learner")
    Enrollment.objects.create(
        course=course, user=idle, status=Enrollment.Status.APPROVED
    )
    dashboard_totals_refresh(course=course)  # as the periodic beat task does
    return {"idle": idle}


def _set_rules(admin: Visitor, course) -> None:
    """On the rules page, not the Django admin: the first tier, in words,
    with the count of learners it would hold shown before saving."""
    admin.goto("/staff/llm/completion/rules/")
    page = admin.page
    page.fill("#id_new-name_ja", "修了")
    page.fill("#id_new-name_en", "Completed")
    page.fill("#id_new-homework_weeks", "2")
    # The live preview (htmx, debounced) counts the tier before saving.
    page.locator("#rules-preview").filter(
        has_text="1 of 2 approved learners would complete."
    ).wait_for()
    admin.shot("staff-completion-rules")
    page.get_by_role("button", name="Save the rules").click()
    page.wait_for_load_state()
    assert CompletionTier.objects.filter(course=course, name_en="Completed").exists()


def _run_certification(admin: Visitor) -> None:
    admin.goto("/staff/llm/completion/run/")
    page = admin.page
    page.get_by_role("button", name="Dry run").click()
    page.wait_for_load_state()
    admin.until(lambda: page.locator("progress").get_attribute("value") == "100")
    assert not Certificate.objects.exists(), "a dry run records nothing"
    page.get_by_role("button", name="Record and issue certificates").click()
    page.wait_for_load_state()
    # The confirmation says who receives a certificate before anything is
    # recorded.
    assert "1 learner would be issued a certificate" in page.content()
    assert not Certificate.objects.exists()
    page.get_by_role(
        "button", name="Record the decisions and issue the certificates"
    ).click()
    page.wait_for_load_state()
    admin.until(lambda: Certificate.objects.exists())
    admin.until(lambda: page.locator("progress").get_attribute("value") == "100")
    admin.shot("staff-certification-run")  # laptop and phone alike


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_completion_from_rules_to_a_verified_certificate(
    browser, live_server, course, superuser, staff, learner, finished_week, phone
):
    admin = Visitor(browser, live_server, user=superuser, phone=phone, name="admin")
    _set_rules(admin, course)
    _run_certification(admin)
    admin.assert_accessible()
    admin.close()

    team = Visitor(browser, live_server, user=staff, phone=phone, name="staff")
    team.goto("/staff/llm/completion/")
    page = team.page
    page.get_by_label("At risk only").check()
    page.get_by_role("button", name="Filter").click()
    team.until(
        lambda: "Hanako Learner" not in page.locator("#completion-table").inner_text()
    )
    table = page.locator("#completion-table").inner_text()
    assert "Idle Learner" in table
    team.shot("staff-completion-at-risk" + ("-phone" if phone else ""))
    csv = page.request.get(
        team.base + page.get_by_role("link", name="Download CSV").get_attribute("href")
    )
    assert csv.ok
    assert csv.body().startswith(b"\xef\xbb\xbf")
    assert "Idle Learner" in csv.text()
    page.get_by_role("link", name="Override", exact=True).first.click()
    page.wait_for_load_state()
    page.select_option("#id_outcome", "complete")
    page.select_option("#id_tier", label="Completed")
    page.fill("#id_reason", "Submitted by email during the outage")
    page.get_by_role("button", name="Record the override").click()
    page.wait_for_load_state()
    team.until(lambda: CompletionOverride.objects.exists())
    team.goto("/staff/llm/completion/overrides/")
    assert "Submitted by email during the outage" in page.content()
    team.assert_accessible()
    team.close()

    me = Visitor(browser, live_server, user=learner, phone=phone, name="learner")
    me.goto("/courses/llm/progress/")
    page = me.page
    assert "Completed" in page.content()
    me.shot("learner-progress" + ("-phone" if phone else ""))
    pdf_link = page.get_by_role("link", name="Download my certificate (PDF)")
    pdf = page.request.get(me.base + pdf_link.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    verify = page.get_by_role("link", name="Verification page").get_attribute("href")
    me.assert_accessible()
    me.close()

    anyone = Visitor(browser, live_server, phone=phone, name="verifier")
    anyone.goto(verify)
    assert "Valid certificate" in anyone.page.content()
    assert "Hanako Learner" in anyone.page.content()
    anyone.assert_accessible()
    anyone.close()
