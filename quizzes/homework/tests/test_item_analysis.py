"""The results page's item analysis: counted by grading and kept
(`ItemAnalysis`), equal to counting every answer from scratch, and never
shown from a count that the key or a submission has outdated."""

import math
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Enrollment
from quizzes.homework.models import Homework, ItemAnalysis, Submission
from quizzes.homework.selectors import homework_item_analysis, homework_item_tally
from quizzes.homework.services import (
    homework_grade_all,
    homework_save_questions,
    homework_submit,
)
from quizzes.homework.tasks import homework_grade_due
from quizzes.homework.tests.factories import answers_for, english, make_homework  # noqa: F401
from quizzes.homework.tests.test_grading import _random_submissions

pytestmark = pytest.mark.django_db

COUNTED_NOTE = "Counted from every submission when the homework was graded"


def _from_scratch(homework) -> list[dict]:
    """Every submission's answers read one by one, in Python (what the page
    did before grading kept the counts): per question the share correct,
    the point-biserial correlation with the raw total by its textbook
    formula, and the picks of each choice in the page's order."""
    homework = Homework.objects.get(pk=homework.pk)
    questions = list(homework.questions.prefetch_related("choices"))
    correct = {c.pk for q in questions for c in q.choices.all() if c.is_correct}
    answers = {
        s.pk: {a.question_id: a.choice_id for a in s.answers.all()}
        for s in Submission.objects.filter(homework=homework).prefetch_related(
            "answers"
        )
    }
    totals = {
        s: sum(c in correct for c in chosen.values()) for s, chosen in answers.items()
    }
    n = len(answers)
    mean = sum(totals.values()) / n
    sd = math.sqrt(sum((t - mean) ** 2 for t in totals.values()) / n)
    picks = Counter(c for chosen in answers.values() for c in chosen.values())
    expected = []
    for question in questions:
        right = [t for s, t in totals.items() if answers[s].get(question.pk) in correct]
        wrong = [
            t for s, t in totals.items() if answers[s].get(question.pk) not in correct
        ]
        p = len(right) / n
        r = (
            (sum(right) / len(right) - sum(wrong) / len(wrong))
            / sd
            * math.sqrt(p * (1 - p))
            if right and wrong and sd
            else None
        )
        expected.append(
            {
                "share_correct": p,
                "discrimination": r,
                "picks": [picks[c.pk] for c in question.choices.all()],
            }
        )
    return expected


def _shown(homework) -> tuple[list[dict], object]:
    items, counted_at = homework_item_analysis(
        homework=Homework.objects.get(pk=homework.pk)
    )
    return [
        {
            "share_correct": item["share_correct"],
            "discrimination": item["discrimination"],
            "picks": [c["count"] for c in item["choices"]],
        }
        for item in items
    ], counted_at


def _assert_same(shown: list[dict], expected: list[dict]) -> None:
    assert len(shown) == len(expected)
    for got, want in zip(shown, expected, strict=True):
        assert got["picks"] == want["picks"]
        assert got["share_correct"] == pytest.approx(want["share_correct"])
        if want["discrimination"] is None:
            assert got["discrimination"] is None
        else:
            assert got["discrimination"] == pytest.approx(want["discrimination"])


def _stored_equals_a_count_now(homework) -> None:
    homework = Homework.objects.get(pk=homework.pk)
    stored = ItemAnalysis.objects.get(homework=homework)
    now = homework_item_tally(homework=homework)
    assert (stored.key_version, stored.submissions, stored.choices) == (
        now.key_version,
        now.submissions,
        now.choices,
    )


@pytest.fixture
def graded(course):
    homework = make_homework(course.lectures.get(number=1), late_days=2, late_cap="0.6")
    _random_submissions(homework, learners=60)
    homework_grade_all(homework_id=homework.pk)
    return homework


def test_grading_keeps_an_item_analysis_equal_to_counting_every_answer(graded):
    _stored_equals_a_count_now(graded)
    shown, counted_at = _shown(graded)
    assert counted_at is not None  # read from what grading kept
    _assert_same(shown, _from_scratch(graded))


def test_an_ungraded_homework_shows_the_same_figures_counted_now(course):
    homework = make_homework(course.lectures.get(number=1))
    _random_submissions(homework, learners=40, seed=3)
    shown, counted_at = _shown(homework)
    assert counted_at is None
    assert not ItemAnalysis.objects.exists()  # the page writes nothing
    _assert_same(shown, _from_scratch(homework))


def test_a_submission_after_grading_is_on_the_page_before_the_regrade(
    graded, user_factory, course
):
    before, _counted_at = _shown(graded)
    late_comer = user_factory()
    Enrollment.objects.create(user=late_comer, course=course, status="approved")
    homework_submit(
        homework=graded,
        user=late_comer,
        answers=answers_for(graded, correct=5),
        token=uuid.uuid4(),
    )
    shown, counted_at = _shown(graded)
    assert counted_at is None  # the kept count is out of date: counted now
    assert sum(shown[0]["picks"]) == sum(before[0]["picks"]) + 1
    _assert_same(shown, _from_scratch(graded))
    homework_grade_all(homework_id=graded.pk)
    _stored_equals_a_count_now(graded)
    shown, counted_at = _shown(graded)
    assert counted_at is not None
    assert sum(shown[0]["picks"]) == sum(before[0]["picks"]) + 1


def test_a_key_change_shows_the_figures_under_the_new_key(graded):
    before, _counted_at = _shown(graded)
    picks = before[0]["picks"]
    old_right = next(
        i for i, c in enumerate(graded.questions.first().choices.all()) if c.is_correct
    )
    # the first question's right answer moves to a choice picked a different
    # number of times, so the share correct has to change
    new_right = next(i for i, n in enumerate(picks) if n != picks[old_right])
    questions = [
        {
            "title": q.title,
            "text": q.text,
            "explanation": q.explanation,
            "choices": [
                {
                    "text": c.text,
                    "is_correct": (index == new_right) if number == 0 else c.is_correct,
                }
                for index, c in enumerate(q.choices.all())
            ],
        }
        for number, q in enumerate(graded.questions.prefetch_related("choices"))
    ]
    assert homework_save_questions(homework=graded, questions=questions, regrade=True)
    shown, counted_at = _shown(graded)
    assert counted_at is None
    assert shown[0]["share_correct"] == picks[new_right] / 60
    _assert_same(shown, _from_scratch(graded))
    homework_grade_all(homework_id=graded.pk)
    _stored_equals_a_count_now(graded)
    shown, counted_at = _shown(graded)
    assert counted_at is not None
    _assert_same(shown, _from_scratch(graded))


def test_the_page_says_when_grading_counted_the_item_analysis(client, staff, course):
    homework = make_homework(course.lectures.get(number=1))
    _random_submissions(homework, learners=5)
    client.force_login(staff)
    url = reverse("homework_results", args=["llm", 1])
    assert COUNTED_NOTE not in client.get(url).content.decode()
    homework_grade_all(homework_id=homework.pk)
    at = timezone.localtime(ItemAnalysis.objects.get().computed_at)
    page = client.get(url).content.decode()
    assert f"{COUNTED_NOTE}, at {at:%Y-%m-%d %H:%M}." in page


def test_the_results_page_runs_as_many_queries_for_many_submissions_as_for_few(
    client, staff, course
):
    client.force_login(staff)
    counts = []
    for number, learners in ((1, 3), (2, 40)):
        homework = make_homework(course.lectures.get(number=number))
        _random_submissions(homework, learners=learners, seed=number)
        homework_grade_all(homework_id=homework.pk)
        url = reverse("homework_results", args=["llm", number])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_sweep_regrades_a_graded_homework_that_kept_no_item_analysis(
    course, django_capture_on_commit_callbacks
):
    """Homework graded before grading kept the counts gets them once."""
    past = timezone.now() - timedelta(days=10)
    homework = make_homework(
        course.lectures.get(number=1), opens_at=past, due_at=past + timedelta(days=1)
    )
    _random_submissions(homework, learners=8)
    homework_grade_all(homework_id=homework.pk)
    ItemAnalysis.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert homework_grade_due() == 1
    _stored_equals_a_count_now(homework)
    with django_capture_on_commit_callbacks(execute=True):
        assert homework_grade_due() == 0
