"""Withdrawing asks first; a withdrawn learner can ask to rejoin, and staff
decide on the applications page as on an application."""

import pytest

from courses.models import Enrollment

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def withdrawn(user_factory, course):
    user = user_factory(
        email="gone@example.com", display_name="Gone Learner", language="en"
    )
    Enrollment.objects.create(
        user=user, course=course, status=Enrollment.Status.WITHDRAWN
    )
    return user


def _status(user, course) -> str:
    return Enrollment.objects.get(user=user, course=course).status


def test_the_course_page_links_withdrawal_at_the_bottom_not_as_a_button_up_top(
    client, course, learner
):
    client.force_login(learner)

    page = client.get(course.get_absolute_url()).content.decode()

    link = page.index('href="/courses/llm/withdraw/"')
    assert link > page.index("Schedule"), "the withdraw link is above the schedule"
    assert 'action="/courses/llm/withdraw/"' not in page  # no one-tap form


def test_withdrawing_first_shows_what_is_lost_and_that_submissions_are_kept(
    client, course, learner
):
    client.force_login(learner)

    response = client.get("/courses/llm/withdraw/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Withdraw from this course?" in page
    assert "What you lose" in page
    assert "Everything you have submitted" in page and "is kept" in page
    assert _status(learner, course) == Enrollment.Status.APPROVED


def test_confirming_withdraws_and_the_course_page_says_how_to_rejoin(
    client, course, learner
):
    client.force_login(learner)

    response = client.post("/courses/llm/withdraw/", follow=True)

    page = response.content.decode()
    assert _status(learner, course) == Enrollment.Status.WITHDRAWN
    assert "You have withdrawn from this course." in page
    assert "You withdrew from this course on" in page
    assert 'href="/courses/llm/rejoin/"' in page
    assert 'href="/courses/llm/withdraw/"' not in page


def test_a_withdrawn_learner_opening_a_lecture_is_told_how_to_rejoin(
    client, course, withdrawn
):
    client.force_login(withdrawn)

    response = client.get("/courses/llm/lectures/1/")

    assert response.status_code == 403
    page = response.content.decode()
    assert "You withdrew from this course" in page
    assert 'href="/courses/llm/rejoin/"' in page


def test_asking_to_rejoin_waits_for_staff_with_the_learners_note(
    client, course, withdrawn
):
    client.force_login(withdrawn)
    assert (
        "Ask to rejoin this course"
        in client.get("/courses/llm/rejoin/").content.decode()
    )

    response = client.post(
        "/courses/llm/rejoin/", {"note": "Back after exams."}, follow=True
    )

    enrollment = Enrollment.objects.get(user=withdrawn, course=course)
    assert enrollment.status == Enrollment.Status.REJOIN
    assert enrollment.rejoin_note == "Back after exams."
    page = response.content.decode()
    assert "Your request to rejoin was sent" in page
    assert "You asked to rejoin on" in page
    # Still not a learner until staff decide.
    assert client.get("/courses/llm/lectures/1/").status_code == 403


def test_staff_see_the_rejoin_request_and_approving_it_opens_the_course_again(
    client, course, withdrawn, staff
):
    client.force_login(withdrawn)
    client.post("/courses/llm/rejoin/", {"note": "Please."})
    enrollment = Enrollment.objects.get(user=withdrawn, course=course)
    client.force_login(staff)

    listing = client.get("/staff/llm/applications/?status=rejoin").content.decode()
    detail = client.get(f"/staff/llm/applications/{enrollment.pk}/").content.decode()
    client.post(
        "/staff/llm/applications/decide/",
        {"selected": enrollment.pk, "scope": "selected", "decision": "approved"},
    )

    assert "Asked to rejoin (1)" in listing
    assert "Gone Learner" in listing
    assert "Please." in detail and 'value="approved"' in detail
    assert _status(withdrawn, course) == Enrollment.Status.APPROVED
    client.force_login(withdrawn)
    assert client.get("/courses/llm/lectures/1/").status_code == 200


def test_only_a_withdrawn_learner_can_ask_to_rejoin(client, course, learner):
    client.force_login(learner)

    assert client.get("/courses/llm/rejoin/").status_code == 404
    assert client.post("/courses/llm/rejoin/", {"note": "x"}).status_code == 404
    assert _status(learner, course) == Enrollment.Status.APPROVED


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("\x00null byte", "a character that is not allowed"),
        ("x" * 2001, "at most 2000 characters"),
    ],
    ids=["NUL byte", "too long"],
)
def test_a_bad_rejoin_note_is_refused_with_a_message_and_changes_nothing(
    client, course, withdrawn, note, message
):
    client.force_login(withdrawn)

    response = client.post("/courses/llm/rejoin/", {"note": note})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert _status(withdrawn, course) == Enrollment.Status.WITHDRAWN


def test_withdrawing_and_rejoining_keeps_every_submission(client, course, learner):
    from quizzes.homework.models import Submission
    from quizzes.homework.tests.factories import answers_for, make_homework, post_data

    homework = make_homework(course.lectures.get(number=1))
    client.force_login(learner)
    client.post(
        "/courses/llm/lectures/1/homework/", post_data(answers_for(homework, correct=5))
    )
    assert Submission.objects.filter(user=learner).count() == 1

    client.post("/courses/llm/withdraw/")
    client.post("/courses/llm/rejoin/", {"note": ""})
    Enrollment.objects.filter(user=learner).update(status=Enrollment.Status.APPROVED)

    assert Submission.objects.filter(user=learner, homework=homework).count() == 1
    page = client.get("/courses/llm/lectures/1/homework/").content.decode()
    assert "Submitted at" in page


def test_an_approved_rejoin_request_is_emailed_as_a_welcome_back(
    client, course, withdrawn, staff, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(withdrawn)
    client.post("/courses/llm/rejoin/", {"note": ""})
    enrollment = Enrollment.objects.get(user=withdrawn, course=course)
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/staff/llm/applications/decide/",
            {"selected": enrollment.pk, "scope": "selected", "decision": "approved"},
        )

    (message,) = mailoutbox
    assert message.to == ["gone@example.com"]
    assert "Your request to rejoin Large Language Models is approved." in message.body
