"""Issue 20's "done when": a course admin who is not a superuser runs a
course from an empty one to certificates in Koza itself, never opening
/admin/. They set the course up, generate the schedule, write and publish
homework 1 and its survey, open applications and approve the two people who
apply through the app; the learners answer the homework and write their
summaries in their own browsers; the admin reviews the summaries in the
queue, closes and grades the homework (moving its due time on the homework's
own page, not the clock), sets the completion rules and a tier, runs the
certification dry run, then records and issues the certificates through the
confirmation. Background work runs on a real Celery worker."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from completion.models import Certificate
from courses.models import Course, CourseRole, Enrollment
from journeys.tests.support import Visitor
from lms.tests.browser import requires_chromium
from quizzes.homework.models import Submission
from quizzes.surveys.models import SurveyResponse

pytestmark = [
    pytest.mark.browser,
    requires_chromium,
    pytest.mark.django_db(transaction=True),
]

TOKYO = ZoneInfo("Asia/Tokyo")
SUMMARY = (
    "The lecture explained how attention weighs every token against the "
    "others, and why positions must be encoded separately."
)


def _local(moment, *, seconds=False) -> str:
    """A datetime-local value on the course's clock (Asia/Tokyo)."""
    return moment.astimezone(TOKYO).strftime(
        "%Y-%m-%dT%H:%M:%S" if seconds else "%Y-%m-%dT%H:%M"
    )


def _notice(page) -> str:
    """The message the last action left at the top of the page."""
    return page.locator(".messages").inner_text()


@pytest.fixture
def worker(celery_worker, tmp_path, settings):
    """The real worker, writing media where the live server reads them."""
    celery_worker.stop_all()
    celery_worker.processes.clear()
    celery_worker.start(
        extra_env={
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        }
    )
    return celery_worker


def test_a_course_admin_runs_a_course_to_certificates_without_the_admin(
    browser, live_server, user_factory, worker
):
    course = Course.objects.create(slug="autumn", title="Empty course")
    instructor = user_factory(display_name="Instructor", email="teach@example.com")
    CourseRole.objects.create(course=course, user=instructor, role="admin")
    assert not instructor.is_superuser and not instructor.is_staff
    me = Visitor(browser, live_server, user=instructor, name="course admin")
    page = me.page
    navigated: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: navigated.append(frame.url) if frame == page.main_frame else None,
    )
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    now = timezone.now()

    # Staff land on their course's staff area, which says the course is empty.
    me.goto("/")
    assert page.url.endswith("/staff/autumn/")

    # Set-up: open for applications from an hour ago, with one question.
    page.click('.staff-nav a[href="/staff/autumn/setup/"]')
    page.fill("#id_title", "Attention and Transformers")
    page.fill("#id_term", "2026 Autumn")
    page.select_option("#id_state", "open")
    page.select_option("#id_timezone", "Asia/Tokyo")
    page.fill("#id_capacity", "100")
    page.fill("#id_applications_open_at", _local(now - timedelta(hours=1)))
    page.fill("#id_applications_close_at", _local(now + timedelta(days=7)))
    page.fill("#id_description", "Attention, **step by step**.")
    page.fill("#id_questions-0-text", "Do you have a GPU?")
    page.select_option("#id_questions-0-kind", "choice")
    page.fill("#id_questions-0-choices", "Yes\nNo")
    page.click("main form:not([action]) button[type=submit]")
    me.audit()
    assert "Attention and Transformers" in page.locator("main").inner_text()

    # Survey defaults: summaries of 40 to 2,000 characters.
    page.click('a[href="/staff/autumn/setup/surveys/"]')
    me.audit()
    page.fill("#id_summary_min_chars", "40")
    page.click("main form button[type=submit]")
    assert "Survey settings saved." in _notice(page)

    # The schedule: 15 weekly lectures, the first two days ago at 09:00.
    page.click('.staff-nav a[href="/staff/autumn/lectures/"]')
    first = (now.astimezone(TOKYO) - timedelta(days=2)).date()
    page.fill("#id_first_date", first.isoformat())
    page.select_option("#id_weekday", str(first.weekday()))
    page.fill("#id_at", "09:00")
    page.fill("#id_count", "15")
    page.click('form[action="/staff/autumn/lectures/generate/"] button')
    me.audit()
    schedule = page.locator("main table").first.inner_text()
    assert "15" in schedule and first.strftime("%Y-%m-%d") in schedule
    page.click('form[action="/staff/autumn/lectures/1/publish/"] button')
    assert "Lecture 1 is published: learners see it." in _notice(page)

    # Homework 1: five questions, the first choice right; publish it.
    page.click('a[href="/staff/autumn/homework/1/edit/"]')
    for q in range(1, 6):
        page.fill(f"#id_q{q}-text", f"Question {q}: what does attention compute?")
        page.fill(f"#id_q{q}-c1-text", f"Right {q}")
        for c in range(2, 5):
            page.fill(f"#id_q{q}-c{c}-text", f"Wrong {q}.{c}")
        page.check(f"#id_q{q}-correct_0")
    page.click('button[name="action"][value="questions"]')
    assert "The questions were saved." in _notice(page)
    page.click('button[name="action"][value="publish"]')
    assert "The homework is published and open." in _notice(page)
    me.audit()

    # Its survey: created unpublished by the schedule; publish it.
    me.goto("/staff/autumn/surveys/1/")
    page.get_by_role("link", name="Dates and publication").click()
    assert "Learners do not see this survey yet." in page.content()
    page.get_by_role("button", name="Publish the survey").click()
    assert "The survey is published: learners see it." in _notice(page)
    me.audit()

    # Two people apply through the course page, in their own browsers.
    learners = {}
    for name, email in (("Aiko", "aiko@example.com"), ("Ben", "ben@example.com")):
        user = user_factory(display_name=f"{name} Learner", email=email)
        visitor = Visitor(browser, live_server, user=user, name=name)
        visitor.goto("/courses/autumn/")
        visitor.page.get_by_role("link", name="Apply to this course").first.click()
        visitor.page.get_by_label("Yes").check()
        visitor.page.locator("#application-form button[type=submit]").click()
        visitor.until(lambda user=user: Enrollment.objects.filter(user=user).exists())
        learners[name] = (user, visitor)

    # The admin approves both at once, after a confirmation saying how many.
    me.goto("/staff/autumn/applications/?status=applied")
    page.locator("select[name=decision]").select_option("approved")
    page.get_by_role("button", name="Apply to all 2 matching applications").click()
    assert "This marks 2 applications as “Approved”." in page.content()
    assert not Enrollment.objects.filter(status="approved").exists()
    me.audit()
    page.get_by_role("button", name="Decide 2 applications and send the emails").click()
    assert "2 applications decided: Approved." in _notice(page)
    assert Enrollment.objects.filter(status="approved").count() == 2

    # The learners answer homework 1 (Aiko right, Ben wrong) and write their
    # summaries.
    for name, (user, visitor) in learners.items():
        lp = visitor.page
        visitor.goto("/courses/autumn/lectures/1/homework/")
        for q in range(1, 6):
            answer = f"Right {q}" if name == "Aiko" else f"Wrong {q}.2"
            lp.locator("label.choice", has_text=answer).locator("input").check()
        lp.locator(".homework-form button[type=submit]").click()
        lp.wait_for_load_state()
        visitor.until(
            lambda user=user: Submission.objects.filter(
                user=user, submitted_at__isnull=False
            ).exists()
        )
        visitor.goto("/courses/autumn/lectures/1/survey/")
        lp.locator("textarea[name=summary]").fill(f"{name}: {SUMMARY}")
        lp.locator("button[name=action][value=submit]").click()
        lp.wait_for_load_state()
        visitor.until(
            lambda user=user: SurveyResponse.objects.filter(user=user).exists()
        )
        visitor.audit()

    # The review queue: accept Aiko's summary, send Ben's back with a comment.
    me.goto("/staff/autumn/surveys/1/summaries/")
    queue = page.locator("#summaries").inner_text()
    assert "Aiko Learner" in queue and "Ben Learner" in queue
    aiko, ben = (
        SurveyResponse.objects.get(user=learners[name][0]) for name in ("Aiko", "Ben")
    )
    page.locator(f"#response-{aiko.pk}").get_by_role("button", name="Accept").click()
    me.until(lambda: SurveyResponse.objects.get(pk=aiko.pk).review_state == "accepted")
    row = page.locator(f"#response-{ben.pk}")
    row.locator("textarea[name=comment]").fill("Say what attention computes.")
    row.get_by_role("button", name="Needs revision").click()
    me.until(
        lambda: SurveyResponse.objects.get(pk=ben.pk).review_state == "needs_revision"
    )
    me.audit()

    # Close homework 1 on its own page (due a second ago, to the second, so
    # the answers written a moment before are on time; no late days), then
    # grade it; the results say both submissions are graded.
    me.goto("/staff/autumn/homework/1/edit/")
    page.fill("#id_due_at", _local(timezone.now() - timedelta(seconds=1), seconds=True))
    page.fill("#id_late_days", "0")
    page.click('button[name="action"][value="settings"]')
    assert "The homework's dates and rules were saved." in _notice(page)
    me.goto("/staff/autumn/homework/1/")
    page.get_by_role("button", name="Grade now").click()
    # The bar fills on the real worker, then the page reloads with the counts.
    page.get_by_text("2 submissions (0 late), 2 graded.").wait_for(timeout=60_000)
    assert Submission.objects.filter(score__isnull=False).count() == 2

    # Completion rules: passed homework 1 and had its summary accepted; the
    # live preview counts the tier before saving.
    me.goto("/staff/autumn/completion/rules/")
    page.fill("#id_new-name_ja", "修了")
    page.fill("#id_new-name_en", "Completed")
    page.fill("#id_new-homework_weeks", "1")
    page.fill("#id_new-summaries_accepted", "1")
    page.locator("#rules-preview").filter(
        has_text="1 of 2 approved learners would complete."
    ).wait_for()
    page.get_by_role("button", name="Save the rules").click()
    page.wait_for_load_state()
    me.audit()

    # Certification: a dry run records nothing; recording asks first.
    me.goto("/staff/autumn/completion/run/")
    page.get_by_role("button", name="Dry run").click()
    page.wait_for_load_state()
    # When the worker is done the page shows what a run would record.
    page.locator("#result").wait_for(timeout=60_000)
    result = page.locator("main").inner_text()
    assert "1 of 2 learners complete." in result
    assert "1 certificate would be issued." in result
    changes = page.locator(".certification-changes").inner_text()
    assert "Aiko Learner" in changes and "Ben Learner" in changes
    assert not Certificate.objects.exists(), "a dry run records nothing"
    page.get_by_role("button", name="Record and issue certificates").click()
    page.wait_for_load_state()
    assert "1 learner would be issued a certificate" in page.content()
    assert not Certificate.objects.exists()
    me.audit()
    page.get_by_role(
        "button", name="Record the decisions and issue the certificates"
    ).click()
    page.wait_for_load_state()
    page.get_by_text("What the run recorded").wait_for(timeout=60_000)
    assert "1 certificate issued." in page.locator("main").inner_text()
    assert list(
        Certificate.objects.values_list("enrollment__user__email", flat=True)
    ) == ["aiko@example.com"]
    me.shot("staff-course-without-admin")

    # Never a page (or a request) under /admin/.
    assert navigated, "the journey recorded the pages it visited"
    assert not [url for url in navigated + requested if "/admin/" in url]
    me.assert_accessible()
    me.close()

    # Aiko sees her certificate; Ben reads that his summary needs revision.
    aiko_visitor = learners["Aiko"][1]
    aiko_visitor.goto("/courses/autumn/progress/")
    assert "Completed" in aiko_visitor.page.content()
    ben_visitor = learners["Ben"][1]
    ben_visitor.goto("/courses/autumn/")
    badge = ben_visitor.page.locator(".badge.state-needs_revision")
    assert badge.first.inner_text() == "Needs revision"
    for _user, visitor in learners.values():
        visitor.assert_accessible()
        visitor.close()
