"""Homework authoring in the app: write the 5 × 4 questions with a live
preview, publish (shape checks said clearly), and the guard rails once
learners have submitted."""

from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.homework.models import Choice, Homework, Submission, SubmissionAnswer
from quizzes.homework.tests.factories import english, make_homework  # noqa: F401

URL = "/staff/llm/homework/2/edit/"


def _questions(**overrides) -> dict:
    data = {"action": "questions"}
    for q in range(1, 6):
        data[f"q{q}-title"] = ""
        data[f"q{q}-text"] = f"What is $x^{q}$ in **question {q}**?"
        data[f"q{q}-explanation"] = f"Because {q}."
        for c in range(1, 5):
            data[f"q{q}-c{c}-text"] = f"Answer {q}.{c}"
        data[f"q{q}-correct"] = str((q % 4) + 1)
    return data | overrides


@pytest.fixture
def admin_client(client, course_admin):
    client.force_login(course_admin)
    return client


def test_visiting_the_editor_creates_nothing(admin_client, course):
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert "Save the questions" in response.content.decode()
    assert not Homework.objects.exists()


def test_an_admin_writes_and_publishes_a_homework(admin_client, course):
    response = admin_client.post(URL, _questions())
    assert response.status_code == 302
    homework = Homework.objects.get(lecture__number=2)
    assert homework.questions.count() == 5
    assert Choice.objects.filter(question__homework=homework).count() == 20
    first = homework.questions.first()
    assert first.choices.get(is_correct=True).text == "Answer 1.2"
    assert not homework.published
    admin_client.post(URL, {"action": "publish"})
    homework.refresh_from_db()
    assert homework.published
    assert homework.key_fingerprint


def test_the_live_preview_renders_markdown_and_math_as_learners_see_it(
    admin_client, course
):
    response = admin_client.post(
        URL + "preview/",
        _questions(**{"q1-text": "Is **this** <script>alert(1)</script> $a^2$?"}),
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>this</strong>" in page
    assert "<script>" not in page
    assert "katex" in page or "math" in page
    assert "<html" not in page  # the fragment only
    assert not Homework.objects.exists()


def test_the_preview_works_without_javascript(admin_client, course):
    data = _questions(action="preview", **{"q3-text": "A *typed* question"})
    response = admin_client.post(URL, data)
    assert response.status_code == 200
    assert "<em>typed</em>" in response.content.decode()
    assert not Homework.objects.exists()


def test_a_question_without_a_correct_choice_is_refused_and_nothing_is_saved(
    admin_client, course
):
    data = _questions()
    del data["q4-correct"]
    data["q2-c3-text"] = ""
    response = admin_client.post(URL, data)
    assert response.status_code == 400
    assert response.content.decode().count("This field is required.") == 2
    assert not Homework.objects.exists()


def test_publishing_a_wrong_shape_says_which_question(admin_client, course):
    make_homework(course.lectures.get(number=2), questions=4, publish=False)
    response = admin_client.post(URL, {"action": "publish"})
    assert response.status_code == 400
    assert "The homework has 4 questions; it needs 5." in response.content.decode()
    assert not Homework.objects.get().published


def _submit(homework, user) -> Submission:
    submission = Submission.objects.create(
        homework=homework, user=user, submitted_at=timezone.now()
    )
    for question in homework.questions.all():
        SubmissionAnswer.objects.create(
            submission=submission, question=question, choice=question.choices.first()
        )
    return submission


def test_after_submissions_the_key_changes_only_with_a_regrade(
    admin_client, course, learner
):
    admin_client.post(URL, _questions())
    homework = Homework.objects.get()
    admin_client.post(URL, {"action": "publish"})
    submission = _submit(homework, learner)
    homework.refresh_from_db()
    version = homework.key_version

    changed = _questions(**{"q1-correct": "4"})
    response = admin_client.post(URL, changed)
    assert response.status_code == 400
    assert "1 learner has submitted" in response.content.decode()
    assert homework.questions.first().choices.get(is_correct=True).position == 2

    response = admin_client.post(URL, changed | {"regrade": "on"})
    assert response.status_code == 302
    homework.refresh_from_db()
    assert homework.key_version == version + 1
    assert homework.questions.first().choices.get(is_correct=True).position == 4
    # The learner's answers survive: the same choice rows were updated.
    assert SubmissionAnswer.objects.filter(submission=submission).count() == 5


def test_wording_can_be_corrected_after_submissions(admin_client, course, learner):
    admin_client.post(URL, _questions())
    homework = Homework.objects.get()
    _submit(homework, learner)
    response = admin_client.post(URL, _questions(**{"q2-text": "Fixed typo"}))
    assert response.status_code == 302
    assert homework.questions.get(position=2).text == "Fixed typo"


def test_dates_are_set_on_the_course_clock_and_checked(admin_client, course):
    admin_client.post(URL, _questions())
    homework = Homework.objects.get()
    response = admin_client.post(
        URL,
        {
            "action": "settings",
            "opens_at": "2027-04-08T19:00",
            "due_at": "2027-04-01T19:00",
            "late_days": "0",
            "late_cap": "1",
            "reveal_at": "",
            "pass_mark": "3",
        },
    )
    assert response.status_code == 400
    assert "The due time must be after opening." in response.content.decode()
    response = admin_client.post(
        URL,
        {
            "action": "settings",
            "opens_at": "2027-04-08T19:00",
            "due_at": "2027-04-15T23:59",
            "late_days": "2",
            "late_cap": "0.6",
            "reveal_at": "",
            "pass_mark": "3",
            "shuffle": "on",
        },
    )
    assert response.status_code == 302
    homework.refresh_from_db()
    assert timezone.localtime(homework.due_at, course.tzinfo).hour == 23
    assert homework.reveal_at == homework.due_at + timedelta(days=2)


def test_staff_and_other_courses_cannot_author(client, staff, other_staff, course):
    for user in (staff, other_staff):
        client.force_login(user)
        assert client.post(URL, _questions()).status_code == 403
        assert client.post(URL + "preview/", _questions()).status_code == 403
    assert not Homework.objects.exists()


def test_hostile_input_is_refused_cleanly(admin_client, course):
    data = _questions(**{"q1-text": "x" * 20_000, "q2-c1-text": "bad\x00byte"})
    response = admin_client.post(URL, data)
    assert response.status_code == 400
    assert not Homework.objects.exists()
