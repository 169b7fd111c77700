"""A learner's course, start to leaderboard, in a real browser: on a laptop in
Japanese and on a phone in English, then the submit steps without JavaScript."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from archives.models import Kind
from archives.services import material_create_from_path
from competitions.models import Entry
from competitions.tests.conftest import ANSWERS, load_answers, make_competition
from conftest import wait_for
from courses.models import Enrollment
from journeys.tests.support import Visitor, make_video
from lms.tests.browser import requires_chromium
from quizzes.homework.models import Homework, Submission
from quizzes.homework.services import homework_grade_all
from quizzes.homework.tests.factories import make_homework
from quizzes.surveys.models import SurveyResponse

pytestmark = [
    pytest.mark.browser,
    requires_chromium,
    pytest.mark.django_db(transaction=True),
]

SUMMARY = "注意機構は、各トークンが他のどのトークンを参照するかを学習する仕組みです。"


@pytest.fixture
def week(course, survey, course_admin, tmp_path, needs_ffmpeg):
    """Lecture 2 is this week's: a recording, a survey, a homework; the course
    runs a competition."""
    lecture = course.lectures.get(number=2)
    video = make_video(tmp_path / "week2.mp4")
    recording = material_create_from_path(
        lecture=lecture,
        kind=Kind.RECORDING,
        path=video,
        filename="week2.mp4",
        user=course_admin,
        title="Week 2 recording",
    )
    recording.refresh_from_db()
    recording.publish()
    homework = make_homework(lecture, shuffle=False)
    competition = make_competition(course)
    load_answers(competition)
    return {"lecture": lecture, "homework": homework, "competition": competition}


def answer_homework(page, *, choice: int) -> None:
    for group in page.locator(".homework-form fieldset").all():
        radios = group.locator("input[type=radio]")
        if radios.count():
            radios.nth(choice).check()


def submit_prediction_file(page, tmp_path) -> None:
    path = tmp_path / "predictions.csv"
    path.write_text(
        "id,prediction\n" + "".join(f"{i},{a}\n" for i, a, _private in ANSWERS)
    )
    page.locator("input[type=file][name=file]").set_input_files(str(path))
    page.locator("form[action$='/competition/upload/'] button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize(
    "locale, phone",
    [("ja-JP", False), ("en-US", True)],
    ids=["laptop-ja", "phone-en"],
)
def test_a_learner_signs_up_is_approved_and_takes_part_in_the_week(
    browser, live_server, course, staff, week, tmp_path, locale, phone
):
    lang = locale[:2]
    device = "phone" if phone else "laptop"
    me = Visitor(browser, live_server, locale=locale, phone=phone, name="learner")
    page = me.page

    # Sign up and confirm the email from the message Koza sent.
    me.goto("/accounts/signup/")
    page.locator("#id_email").fill("hanako@example.com")
    page.locator("#id_password1").fill("a-long-Passphrase-7")
    page.locator("#id_password2").fill("a-long-Passphrase-7")
    page.locator("#id_display_name").fill("山田 花子")
    page.locator("#id_affiliation").fill("東京大学")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/accounts/confirm-email/")
    me.audit()
    link = re.search(r"http://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body)
    me.goto(urlsplit(link[0]).path)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    me.audit()

    # Apply.
    me.goto("/courses/llm/")
    me.goto("/courses/llm/apply/")
    page.locator("#application-form button[type=submit]").click()
    enrollment = wait_for(
        lambda: Enrollment.objects.filter(user__email="hanako@example.com").first()
    )
    assert enrollment.status == Enrollment.Status.APPLIED

    # A staff member approves it from the applications page.
    reviewer = Visitor(browser, live_server, user=staff, name="staff")
    reviewer.goto("/staff/llm/applications/?status=applied")
    reviewer.page.locator(f"input[name=selected][value='{enrollment.pk}']").check()
    reviewer.page.locator("select[name=decision]").select_option("approved")
    reviewer.page.locator("button[name=scope][value=selected]").click()
    reviewer.page.wait_for_load_state()
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.APPROVED
    reviewer.close()

    # This week's lecture is on the course page; the recording plays and seeks
    # (the browser asks for byte ranges).
    me.goto("/courses/llm/")
    assert page.get_by_text("Lecture 2").first.is_visible()
    me.shot(f"learner-week-{lang}-{device}")
    ranges = []
    page.on(
        "response",
        lambda r: ranges.append(r.status) if "/materials/" in r.url else None,
    )
    me.goto("/courses/llm/lectures/2/")
    video = page.locator("video").first
    video.wait_for()
    page.wait_for_function(
        "() => document.querySelector('video').readyState >= 1", timeout=15_000
    )
    page.evaluate(
        """() => new Promise(resolve => {
             const v = document.querySelector('video');
             v.addEventListener('seeked', resolve, {once: true});
             v.currentTime = 2.5;
           })"""
    )
    assert page.evaluate("document.querySelector('video').currentTime") == 2.5
    assert 206 in ranges  # the recording is served in byte ranges
    me.shot(f"learner-lecture-{lang}-{device}")

    # The summary (survey).
    me.goto("/courses/llm/lectures/2/survey/")
    page.locator("textarea[name=summary]").fill(SUMMARY[:60])
    page.locator(".question-rating input[type=radio]").nth(3).check()
    me.shot(f"survey-{lang}-{device}")
    page.locator("button[name=action][value=submit]").click()
    page.wait_for_load_state()
    me.audit()
    assert SurveyResponse.objects.filter(user=enrollment.user).exists()

    # The homework: answer, submit, change an answer and resubmit.
    homework = week["homework"]
    me.goto("/courses/llm/lectures/2/homework/")
    answer_homework(page, choice=0)
    me.shot(f"homework-{lang}-{device}")
    with page.expect_navigation():
        page.locator(".homework-form button[type=submit]").click()
    page.locator(".messages").wait_for()
    me.audit()
    answer_homework(page, choice=1)
    with page.expect_navigation():
        page.locator(".homework-form button[type=submit]").click()
    page.locator(".messages").wait_for()
    submission = Submission.objects.get(user=enrollment.user, homework=homework)
    assert submission.answers.count() == 5

    # After the reveal and the grading run, the result shows.
    past = timezone.now() - timedelta(days=homework.late_days + 1)
    Homework.objects.filter(pk=homework.pk).update(
        due_at=past, reveal_at=timezone.now() - timedelta(minutes=1)
    )
    homework_grade_all(homework_id=homework.pk)
    me.goto("/courses/llm/lectures/2/homework/")
    submission.refresh_from_db()
    assert submission.score is not None
    assert (
        page.locator("main")
        .get_by_text(re.compile(rf"\b{submission.score}\s*/\s*5\b"))
        .first.is_visible()
    )

    # The competition: upload predictions, then the leaderboard.
    me.goto("/courses/llm/competition/")
    submit_prediction_file(page, tmp_path)
    me.audit()
    scored = Entry.objects.filter(user=enrollment.user, status=Entry.Status.SCORED)
    assert scored.exists()
    me.shot(f"competition-{lang}-{device}")
    me.goto("/courses/llm/competition/leaderboard/")
    assert page.locator("table.leaderboard").is_visible()

    assert len(me.audited) >= 5
    me.assert_accessible()
    me.close()


def test_without_javascript_a_learner_still_applies_and_hands_everything_in(
    browser, live_server, course, user_factory, learner, week, tmp_path
):
    # Applying is a plain form post.
    applicant = user_factory(display_name="鈴木 一郎")
    newcomer = Visitor(browser, live_server, javascript=False, user=applicant)
    newcomer.goto("/courses/llm/apply/")
    newcomer.page.locator("#application-form button[type=submit]").click()
    newcomer.page.wait_for_load_state()
    assert Enrollment.objects.get(user=applicant).status == Enrollment.Status.APPLIED
    newcomer.close()

    me = Visitor(browser, live_server, javascript=False, phone=True, user=learner)
    page = me.page
    me.goto("/courses/llm/lectures/2/survey/")
    page.locator("textarea[name=summary]").fill(SUMMARY[:60])
    page.locator(".question-rating input[type=radio]").nth(4).check()
    with page.expect_navigation():
        page.locator("button[name=action][value=submit]").click()
    assert SurveyResponse.objects.get(user=learner).summary == SUMMARY[:60]

    me.goto("/courses/llm/lectures/2/homework/")
    answer_homework(page, choice=0)
    with page.expect_navigation():
        page.locator(".homework-form button[type=submit]").click()
    homework = week["homework"]
    assert Submission.objects.get(user=learner, homework=homework).answers.count() == 5

    me.goto("/courses/llm/competition/")
    submit_prediction_file(page, tmp_path)
    assert Entry.objects.filter(user=learner).exists()
    me.goto("/courses/llm/competition/leaderboard/")
    me.close()
