import csv
import io
import uuid

import pytest
from django.urls import reverse

from courses.models import Enrollment
from lms.csv import csv_safe
from quizzes.homework.models import DraftAnswer, ItemAnalysis, Question
from quizzes.homework.selectors import homework_item_analysis, point_biserial
from quizzes.homework.services import homework_grade_all, homework_submit
from quizzes.homework.tests.factories import answers_for, english, make_homework  # noqa: F401

pytestmark = pytest.mark.django_db


def _learner(user_factory, course, **extra):
    user = user_factory(**extra)
    Enrollment.objects.create(user=user, course=course, status="approved")
    return user


def _submit(homework, user, answers):
    homework_submit(homework=homework, user=user, answers=answers, token=uuid.uuid4())


@pytest.fixture
def analysed(course, user_factory):
    """Four learners with totals 5, 3, 2, 0; question 1 right for the first two."""
    homework = make_homework(course.lectures.get(number=1))
    questions = list(homework.questions.all())
    a, b, c, d = (_learner(user_factory, course) for _ in range(4))
    _submit(homework, a, answers_for(homework, correct=5))
    _submit(homework, b, answers_for(homework, correct=3))
    right = answers_for(homework, correct=5)
    c_answers = answers_for(homework, correct=0)
    c_answers[questions[1].id] = right[questions[1].id]
    c_answers[questions[2].id] = right[questions[2].id]
    _submit(homework, c, c_answers)
    _submit(homework, d, answers_for(homework, correct=0))
    homework_grade_all(homework_id=homework.pk)
    homework.refresh_from_db()
    return homework


def test_point_biserial_matches_a_hand_computed_example():
    # totals 5,3,2,0: mean 2.5, population SD sqrt(3.25) = 1.80278;
    # right {5,3} mean 4, wrong {2,0} mean 1, p = q = .5:
    # r = (4 - 1) / 1.80278 * .5 = 0.83205
    sums = {"submissions": 4, "totals": 10, "squares": 25 + 9 + 4 + 0}
    assert point_biserial(right=2, right_totals=8, **sums) == pytest.approx(
        0.83205, abs=1e-5
    )
    assert point_biserial(right=4, right_totals=10, **sums) is None


@pytest.mark.parametrize("kept", [True, False], ids=["kept by grading", "counted now"])
def test_item_analysis_reports_share_correct_choice_counts_and_discrimination(
    analysed, kept
):
    if not kept:
        ItemAnalysis.objects.filter(homework=analysed).delete()
    items, counted_at = homework_item_analysis(homework=analysed)
    assert (counted_at is not None) == kept
    first, _second, _third, _fourth, fifth = items
    assert first["share_correct"] == 0.5
    assert first["discrimination"] == pytest.approx(0.83205, abs=1e-5)
    counts = {
        c["choice"].is_correct: c["count"] for c in first["choices"] if c["count"]
    }
    assert counts == {True: 2, False: 2}
    # question 5: only the learner with 5 is right: p = .25, wrong mean 5/3,
    # r = (5 - 5/3) / 1.80278 * sqrt(.25 * .75) = 0.80064
    assert fifth["share_correct"] == 0.25
    assert fifth["discrimination"] == pytest.approx(0.80064, abs=1e-5)


def test_the_results_page_shows_counts_charts_and_item_analysis(
    client, staff, analysed
):
    client.force_login(staff)
    response = client.get(reverse("homework_results", args=["llm", 1]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "4 submissions (0 late), 4 graded." in page
    assert page.count('<svg class="chart"') == 2  # not counting the header bell
    assert "0.83" in page and "0.50" in page
    assert "cdn" not in page.lower()


def test_item_analysis_shows_questions_and_choices_as_formatted_text(
    client, staff, course, user_factory
):
    """Backticks, stars and TeX in a question or choice show as code,
    emphasis and math in the results table, not as the source typed; one
    submission is "1 submission", not "1 submissions"."""
    homework = make_homework(course.lectures.get(number=1))
    question = homework.questions.first()
    question.title = ""
    question.text = "Why divide by $\\sqrt{d_k}$ in `softmax(QK^T)`?"
    question.save()
    choice = question.choices.first()
    choice.text = "To keep the **variance** near 1"
    choice.save()
    _submit(homework, _learner(user_factory, course), answers_for(homework, correct=5))
    homework_grade_all(homework_id=homework.pk)
    client.force_login(staff)
    page = client.get(reverse("homework_results", args=["llm", 1])).content.decode()
    assert "<code>softmax(QK^T)</code>" in page and "`" not in page
    assert "<msqrt>" in page and "$\\sqrt" not in page
    assert "<strong>variance</strong>" in page and "**" not in page
    assert "1 submission (0 late), 1 graded." in page


def test_learners_and_other_courses_staff_cannot_see_results(
    client, learner, other_staff, analysed
):
    url = reverse("homework_results", args=["llm", 1])
    for user in (learner, other_staff):
        client.force_login(user)
        assert client.get(url).status_code == 403
        csv_url = reverse("homework_scores_csv", args=["llm", 1])
        assert client.get(csv_url).status_code == 403


def test_the_scores_csv_has_one_row_per_learner_and_defuses_formulas(
    client, staff, course, user_factory
):
    homework = make_homework(course.lectures.get(number=1))
    evil = _learner(user_factory, course, display_name='=HYPERLINK("http://x","y")')
    _learner(user_factory, course, display_name="@SUM(A1)")
    _submit(homework, evil, answers_for(homework, correct=4))
    homework_grade_all(homework_id=homework.pk)
    client.force_login(staff)
    response = client.get(reverse("homework_scores_csv", args=["llm", 1]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:5] == ["email", "name", "submitted_at", "late", "score"]
    assert len(rows) == 1 + 2
    by_name = {row[1]: row for row in rows[1:]}
    evil_row = by_name["'" + evil.name]
    assert evil_row[4] == "4"
    # staff see each learner's answers: the position of the chosen choice
    assert rows[0][-1] == "q5_choice" and evil_row[-5:] == ["1", "2", "3", "4", "2"]
    assert by_name["'@SUM(A1)"][4] == ""


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@x", "\tx", "\rx"])
def test_cells_that_a_spreadsheet_would_run_are_quoted(cell):
    assert csv_safe(cell) == "'" + cell
    assert csv_safe("fine") == "fine"


def test_staff_try_an_unpublished_homework_and_get_feedback_without_storing(
    client, staff, course
):
    homework = make_homework(course.lectures.get(number=1), publish=False)
    client.force_login(staff)
    url = reverse("homework_preview", args=["llm", 1])
    page = client.get(url).content.decode()
    assert page.count('type="radio"') == 20 and "disabled" not in page
    assert "nothing is stored" in page

    answers = answers_for(homework, correct=4)
    response = client.post(
        url, {f"q-{q}": c for q, c in answers.items()} | {"token": str(uuid.uuid4())}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Your try: 4 / 5 (not stored)" in page
    assert "Because of reason 1" in page  # the explanations, as after reveal
    assert homework.submissions.count() == 0
    assert not DraftAnswer.objects.filter(homework=homework).exists()


def test_staff_who_submit_an_open_homework_store_nothing_on_either_path(
    client, staff, course
):
    """The submit page's own URL: the one-statement path declines staff (not
    an approved learner) and the full path turns the post into a try."""
    homework = make_homework(course.lectures.get(number=1))
    client.force_login(staff)
    answers = answers_for(homework, correct=5)
    data = {f"q-{q}": c for q, c in answers.items()} | {"token": str(uuid.uuid4())}
    response = client.post(reverse("homework_take", args=["llm", 1]), data)
    assert "Your try: 5 / 5 (not stored)" in response.content.decode()
    client.post(reverse("homework_draft", args=["llm", 1]), data)
    assert homework.submissions.count() == 0
    assert not DraftAnswer.objects.filter(homework=homework).exists()
    results = client.get(reverse("homework_results", args=["llm", 1]))
    assert results.context["counts"]["submitted"] == 0


def test_the_admin_edits_questions_inline_and_links_to_the_learner_preview(
    client, course
):
    from accounts.models import User

    admin = User.objects.create_superuser(
        email="root@example.com", password="x-12345-y"
    )
    homework = make_homework(course.lectures.get(number=1))
    client.force_login(admin)
    listing = client.get(reverse("admin:homework_homework_changelist")).content.decode()
    assert reverse("homework_preview", args=["llm", 1]) in listing
    change = client.get(reverse("admin:homework_homework_change", args=[homework.pk]))
    assert change.status_code == 200
    assert "Question text 1" in change.content.decode()
    question = Question.objects.filter(homework=homework).first()
    url = reverse("admin:homework_question_change", args=[question.pk])
    assert "Choice 1.4" in client.get(url).content.decode()


def test_the_admin_publish_action_names_the_broken_question(client, course):
    from accounts.models import User

    admin = User.objects.create_superuser(
        email="root@example.com", password="x-12345-y"
    )
    homework = make_homework(course.lectures.get(number=1), publish=False)
    homework.questions.all()[1].choices.update(is_correct=False)
    client.force_login(admin)
    response = client.post(
        reverse("admin:homework_homework_changelist"),
        {"action": "publish", "_selected_action": [homework.pk]},
        follow=True,
    )
    assert "Question 2" in response.content.decode()
    homework.refresh_from_db()
    assert not homework.published
